package relay.proxy;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Headers that describe one connection, not the message: never forwarded in either direction. */
final class HopByHop {
    private static final Set<String> ALWAYS = Set.of(
            "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
            "proxy-connection", "proxy-authenticate", "proxy-authorization");

    private HopByHop() {
    }

    /** The lower-cased names not to forward for this header set, including those listed in Connection. */
    static Set<String> namesIn(Map<String, List<String>> headers) {
        Set<String> names = new HashSet<>(ALWAYS);
        for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
            if (entry.getKey().equalsIgnoreCase("connection")) {
                for (String value : entry.getValue()) {
                    for (String token : value.split(",")) {
                        names.add(token.trim().toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
        return names;
    }

    static boolean isHopByHop(String name, Set<String> names) {
        String lower = name.toLowerCase(Locale.ROOT);
        return names.contains(lower) || lower.startsWith("proxy-");
    }
}
