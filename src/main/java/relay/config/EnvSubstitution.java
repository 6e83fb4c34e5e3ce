package relay.config;

import java.util.Map;
import java.util.regex.Pattern;

/** Replaces every {@code ${NAME}} in a string value by the environment variable NAME (one pass, no nesting). */
final class EnvSubstitution {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, String> env;

    EnvSubstitution(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    String apply(String raw) throws InvalidValue {
        int start = raw.indexOf("${");
        if (start < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        int copied = 0;
        while (start >= 0) {
            int end = raw.indexOf('}', start + 2);
            if (end < 0) {
                throw new InvalidValue("has a '${' without a closing '}' (write ${NAME})");
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
            out.append(raw, copied, start).append(value);
            copied = end + 1;
            start = raw.indexOf("${", copied);
        }
        return out.append(raw, copied, raw.length()).toString();
    }
}
