package relay.config;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replaces every {@code ${NAME}} in a string value by the environment variable NAME (one pass, no nesting).
 * {@code $$} is a literal {@code $} (as in Docker Compose), so {@code $${NAME}} is the text {@code ${NAME}}.
 * {@code $NAME} without braces is an error rather than text: a shell habit that would otherwise send
 * "Bearer $OPENAI_API_KEY" upstream literally. Any other {@code $} (before a digit, a blank, the end) is text.
 */
final class EnvSubstitution {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, String> env;

    EnvSubstitution(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /**
     * @param secret whether the value may hold a secret: then a bare {@code $word} is named in the message
     *     only if it is a variable of the environment (otherwise the word may be part of a key)
     */
    String apply(String raw, boolean secret) throws InvalidValue {
        if (raw.indexOf('$') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            char next = i + 1 < raw.length() ? raw.charAt(i + 1) : 0;
            if (c != '$') {
                out.append(c);
                i++;
            } else if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{') {
                i = reference(raw, i, out);
            } else if (isNameStart(next)) {
                throw bareName(raw, i + 1, secret);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Appends the value of the {@code ${NAME}} at {@code start}; returns the index just after it. */
    private int reference(String raw, int start, StringBuilder out) throws InvalidValue {
        int end = raw.indexOf('}', start + 2);
        if (end < 0) {
            throw new InvalidValue("has a '${' without a closing '}' (write ${NAME}, or $${ for a literal '${')");
        }
        String name = raw.substring(start + 2, end);
        // The text between the braces is shown only once it is known to be a variable name, not a value.
        if (!NAME.matcher(name).matches()) {
            throw new InvalidValue("has a malformed ${...} reference (a name is letters, digits and _)");
        }
        String value = env.get(name);
        if (value == null) {
            throw new InvalidValue("environment variable " + name + " is not set");
        }
        // An empty variable is almost always a forgotten export; "Bearer " would fail only at the upstream.
        if (value.isEmpty()) {
            throw new InvalidValue("environment variable " + name + " is empty");
        }
        out.append(value);
        return end + 1;
    }

    private InvalidValue bareName(String raw, int from, boolean secret) {
        int end = from;
        while (end < raw.length() && isNamePart(raw.charAt(end))) {
            end++;
        }
        String name = raw.substring(from, end);
        if (!secret || env.containsKey(name)) {
            return new InvalidValue("$" + name + " is not substituted (only ${NAME} is): write ${" + name
                    + "}, or $$" + name + " for the literal text $" + name);
        }
        return new InvalidValue("has a '$' before a name, which is not substituted (only ${NAME} is):"
                + " write ${NAME} for an environment variable, or $$ for a literal '$'");
    }

    private static boolean isNameStart(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }
}
