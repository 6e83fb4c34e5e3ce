package relay.proxy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Picks the route with the longest prefix that matches the request path on a segment boundary. */
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

    /** "/v1" matches "/v1" and "/v1/chat/completions", not "/v10". */
    Optional<BoundRoute> match(String path) {
        for (BoundRoute bound : byLongestPrefix) {
            String prefix = bound.route().prefix();
            if (path.startsWith(prefix)
                    && (path.length() == prefix.length() || prefix.endsWith("/") || path.charAt(prefix.length()) == '/')) {
                return Optional.of(bound);
            }
        }
        return Optional.empty();
    }
}
