package relay.config;

import java.util.Comparator;
import org.tomlj.TomlPosition;

/** The configuration file as named by the operator: every mistake is reported against it. */
record SourceFile(String name) {

    /** Where mistakes that belong to no particular key (an empty file, an unreadable one) are reported. */
    static final TomlPosition START = TomlPosition.positionAt(1, 1);

    /** File order, so that of several mistakes the first one in the file is reported. */
    static final Comparator<TomlPosition> BY_PLACE =
            Comparator.comparingInt(TomlPosition::line).thenComparingInt(TomlPosition::column);

    ConfigException error(TomlPosition at, String message) {
        TomlPosition where = at == null ? START : at;
        return new ConfigException(name + ":" + where.line() + ":" + where.column() + ": " + message);
    }

    /** The file itself is the problem (missing, a directory): there is no line to name. */
    ConfigException unreadable(String message) {
        return new ConfigException("relay: " + name + ": " + message);
    }
}
