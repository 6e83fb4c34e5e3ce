package relay.config;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** What a route may put in {@code headers}: names that are HTTP tokens, values without control characters. */
final class HeaderRules {
    /** RFC 9110 §5.6.2 token characters. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    /**
     * Hop-by-hop headers are never forwarded (§3.4), and the rest describe the connection or the body, which
     * relay and its HTTP client manage; setting any of them could only break requests.
     */
    private static final Set<String> MANAGED = Set.of(
            "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
            "host", "content-length", "expect");

    private HeaderRules() {
    }

    static void checkName(String name) throws InvalidValue {
        if (!TOKEN.matcher(name).matches()) {
            throw new InvalidValue("is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (MANAGED.contains(lower) || lower.startsWith("proxy-")) {
            throw new InvalidValue("cannot be set: relay and its HTTP client manage that header");
        }
    }

    /** Checked after substitution: a line break from the environment would otherwise inject a header. */
    static void checkValue(String value) throws InvalidValue {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new InvalidValue("contains a control character (line break, NUL, ...), not allowed in a header");
            }
        }
    }
}
