package relay.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Typed, positioned access to one TOML table. Every accessor substitutes {@code ${NAME}} in strings and
 * turns a wrong value into a {@link ConfigException} at that value's position.
 */
final class TableReader {

    /** Which durations may be zero or negative; everything else must be positive (§4). */
    enum Sign { POSITIVE, NON_NEGATIVE, ANY }

    /** Long enough for any sensible timeout, short enough that no consumer's arithmetic overflows. */
    static final Duration MAX_DURATION = Duration.ofDays(365);

    private final SourceFile source;
    private final EnvSubstitution env;
    private final TomlTable table; // null when the file has no such table: every key then takes its default
    private final String name;
    private final String label; // where unknown keys are: "in [ping]", "at the top level"
    private final TomlPosition at;

    private TableReader(SourceFile source, EnvSubstitution env, TomlTable table, String name, String label,
            TomlPosition at) {
        this.source = source;
        this.env = env;
        this.table = table;
        this.name = name;
        this.label = label;
        this.at = at;
    }

    static TableReader root(SourceFile source, EnvSubstitution env, TomlTable table) {
        return new TableReader(source, env, table, "", "at the top level", SourceFile.START);
    }

    String name() {
        return name;
    }

    TomlPosition position() {
        return at;
    }

    Object raw(String key) {
        return table == null ? null : table.get(List.of(key));
    }

    Set<String> keys() {
        return table == null ? Set.of() : table.keySet();
    }

    String qualified(String key) {
        String printable = Setting.printable(key);
        return name.isEmpty() ? printable : name + "." + printable;
    }

    TomlPosition positionOf(String key) {
        TomlPosition p = table == null ? null : table.inputPositionOf(List.of(key));
        return p == null ? at : p;
    }

    ConfigException error(TomlPosition where, String message) {
        return source.error(where, message);
    }

    ConfigException error(String key, String message) {
        return source.error(positionOf(key), message);
    }

    /** {@code path} as written, resolved against the directory of the config file when relative. */
    Path fromConfigDirectory(String path) {
        Path given = Path.of(path);
        Path dir = Path.of(source.name()).toAbsolutePath().getParent();
        return (given.isAbsolute() || dir == null ? given : dir.resolve(given)).toAbsolutePath().normalize();
    }

    ConfigException invalid(Setting setting, String reason) {
        return source.error(setting.at(), setting.problem(reason));
    }

    /** For checks made after reading: quotes the key's value as written (only call for non-secret keys). */
    ConfigException invalid(String key, String reason) {
        return invalid(Setting.of(qualified(key), positionOf(key), raw(key), null, false), reason);
    }

    /** A typo must not silently fall back to a default (§4). */
    void allowOnly(Set<String> known) throws ConfigException {
        Optional<String> unknown = keys().stream()
                .filter(k -> !known.contains(k))
                .min(Comparator.comparing(this::positionOf, SourceFile.BY_PLACE));
        if (unknown.isEmpty()) {
            return;
        }
        String key = unknown.get();
        String what = raw(key) instanceof TomlTable && name.isEmpty()
                ? "unknown table [" + Setting.printable(key) + "]"
                : "unknown key " + Setting.quoteKey(key) + " " + label;
        throw error(key, what + Suggestion.closest(key, known).map(k -> " (did you mean '" + k + "'?)").orElse(""));
    }

    Optional<TableReader> table(String key, String childLabel) throws ConfigException {
        Object v = raw(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof TomlTable t)) {
            throw error(key, qualified(key) + " must be a table, got " + typeName(v));
        }
        return Optional.of(new TableReader(source, env, t, qualified(key), childLabel, positionOf(key)));
    }

    /** The named table, or an empty one (all defaults) when the file has none. */
    TableReader section(String key) throws ConfigException {
        String where = "in [" + qualified(key) + "]";
        return table(key, where).orElseGet(() -> new TableReader(source, env, null, qualified(key), where, at));
    }

    TableReader element(TomlTable t, int index, TomlPosition where, String arrayKey) {
        return new TableReader(source, env, t, qualified(arrayKey) + "[" + index + "]", "in [[" + arrayKey + "]]", where);
    }

    boolean bool(String key, boolean fallback) throws ConfigException {
        return switch (raw(key)) {
            case null -> fallback;
            case Boolean b -> b;
            case Object v -> throw error(key, qualified(key) + " must be a boolean, got " + typeName(v));
        };
    }

    long integer(String key, long fallback, long min, long max) throws ConfigException {
        return switch (raw(key)) {
            case null -> fallback;
            case Long n when n < min -> throw invalid(key, "must be at least " + min);
            case Long n when n > max -> throw invalid(key, "must be at most " + max);
            case Long n -> n;
            case Object v -> throw error(key, qualified(key) + " must be an integer, got " + typeName(v));
        };
    }

    /** A string setting after substitution; empty when the key is absent. */
    Optional<Setting> string(String key, boolean secret) throws ConfigException {
        Object v = raw(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof String s)) {
            throw error(key, qualified(key) + " must be a string, got " + typeName(v));
        }
        return Optional.of(substituted(qualified(key), positionOf(key), s, secret));
    }

    /** A name that is a log field and a metrics label: 1 to 64 of a small safe alphabet; empty when absent. */
    Optional<Setting> label(String key) throws ConfigException {
        Optional<Setting> given = string(key, false);
        if (given.isPresent() && !given.get().value().matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw invalid(given.get(), "must be 1 to 64 letters, digits, '_', '.', ':' or '-' (it is a log field and a "
                    + "metrics label)");
        }
        return given;
    }

    /** Element {@code index} of array {@code key}, a string at {@code where}, after substitution. */
    Setting arrayString(String key, int index, TomlPosition where, String raw, boolean secret) throws ConfigException {
        return substituted(qualified(key) + "[" + index + "]", where, raw, secret);
    }

    /** Every element of an array of strings, each with its own position. */
    List<Setting> strings(String key, boolean secret) throws ConfigException {
        Object v = raw(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof TomlArray array)) {
            throw error(key, qualified(key) + " must be an array of strings, got " + typeName(v));
        }
        List<Setting> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String element = qualified(key) + "[" + i + "]";
            TomlPosition where = array.inputPositionOf(i);
            if (!(array.get(i) instanceof String s)) {
                throw error(where, element + " must be a string, got " + typeName(array.get(i)));
            }
            out.add(substituted(element, where, s, secret));
        }
        return out;
    }

    Duration duration(String key, Duration fallback, Sign sign) throws ConfigException {
        Object v = raw(key);
        Duration d = switch (v) {
            case null -> fallback;
            case Long seconds -> Duration.ofSeconds(seconds);
            case String s -> {
                Setting setting = substituted(qualified(key), positionOf(key), s, false);
                try {
                    yield Units.parseDuration(setting.value());
                } catch (InvalidValue e) {
                    throw invalid(setting, e.reason());
                }
            }
            default -> throw error(key, qualified(key)
                    + " must be a duration such as \"10s\" or an integer number of seconds, got " + typeName(v));
        };
        if (d.isNegative() && sign != Sign.ANY) {
            throw invalid(key, "must not be negative");
        }
        if (d.isZero() && sign == Sign.POSITIVE) {
            throw invalid(key, "must be greater than 0 (0 does not mean \"off\" here)");
        }
        if (d.compareTo(MAX_DURATION) > 0) {
            throw invalid(key, "must be at most " + Units.formatDuration(MAX_DURATION) + " (365 days)");
        }
        return d;
    }

    /** Sizes are always positive: a zero limit would refuse everything. */
    long size(String key, long fallback) throws ConfigException {
        Object v = raw(key);
        long bytes = switch (v) {
            case null -> fallback;
            case Long n -> n;
            case String s -> {
                Setting setting = substituted(qualified(key), positionOf(key), s, false);
                try {
                    yield Units.parseSize(setting.value());
                } catch (InvalidValue e) {
                    throw invalid(setting, e.reason());
                }
            }
            default -> throw error(key, qualified(key)
                    + " must be a size such as \"16MiB\" or an integer number of bytes, got " + typeName(v));
        };
        if (bytes <= 0) {
            throw invalid(key, "must be greater than 0");
        }
        return bytes;
    }

    private Setting substituted(String settingName, TomlPosition where, String raw, boolean secret)
            throws ConfigException {
        Setting setting = Setting.of(settingName, where, raw, raw, secret);
        try {
            return Setting.of(settingName, where, raw, env.apply(raw, secret), secret);
        } catch (InvalidValue e) {
            throw invalid(setting, e.reason());
        }
    }

    static String typeName(Object v) {
        return switch (v) {
            case String s -> "string";
            case Long n -> "integer";
            case Double d -> "float";
            case Boolean b -> "boolean";
            case OffsetDateTime t -> "date-time";
            case LocalDateTime t -> "local date-time";
            case LocalDate t -> "date";
            case LocalTime t -> "time";
            case TomlArray a -> "array";
            case TomlTable t -> "table";
            default -> v.getClass().getSimpleName();
        };
    }
}
