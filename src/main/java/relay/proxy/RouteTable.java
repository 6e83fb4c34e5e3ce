package relay.proxy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Picks the routes whose prefix matches the request path on a segment boundary, longest first (a
 * stable sort: routes of one prefix keep the file's order).
 */
final class RouteTable {
    private final List<BoundRoute> byLongestPrefix;

    RouteTable(List<BoundRoute> routes) {
        List<BoundRoute> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparingInt((BoundRoute r) -> r.route().prefix().length()).reversed());
        this.byLongestPrefix = List.copyOf(sorted);
    }

    List<BoundRoute> all() {
        return byLongestPrefix;
    }

    /**
     * Every route whose prefix matches {@code path}, longest prefix first and, within one prefix, in
     * the file's order: the first that takes the request's model wins. "/v1" matches "/v1" and
     * "/v1/chat/completions", not "/v10".
     */
    List<BoundRoute> candidates(String path) {
        List<BoundRoute> matching = new ArrayList<>(2);
        for (BoundRoute bound : byLongestPrefix) {
            String prefix = bound.route().prefix();
            if (path.startsWith(prefix)
                    && (path.length() == prefix.length() || prefix.endsWith("/") || path.charAt(prefix.length()) == '/')) {
                matching.add(bound);
            }
        }
        return matching;
    }
}
