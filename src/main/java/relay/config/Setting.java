package relay.config;

import org.tomlj.Toml;
import org.tomlj.TomlPosition;

/**
 * One value from the file: its dotted name, where it is, the string it means after {@code ${NAME}}
 * substitution, and how it was written ({@code null} for secrets, which no message may repeat).
 */
record Setting(String name, TomlPosition at, String value, String written) {

    static Setting of(String name, TomlPosition at, Object raw, String value, boolean secret) {
        return new Setting(name, at, value, secret ? null : render(raw));
    }

    /**
     * The message for a value that is wrong. Quotes the file's text, never the substituted one: an
     * environment variable may hold a key even where the setting itself is not secret.
     */
    String problem(String reason) {
        return written == null ? name + ": " + reason : name + " = " + written + ": " + reason;
    }

    private static String render(Object raw) {
        return raw instanceof String s ? quote(s) : String.valueOf(raw);
    }

    static String quote(String s) {
        return "\"" + Toml.tomlEscape(s) + "\"";
    }

    /** Key names are not secret, but a quoted key may still hold a line break that would split the message. */
    static String quoteKey(String key) {
        return "'" + Toml.tomlEscape(key) + "'";
    }

    /** Control characters as escapes: a message is one line. */
    static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
