package relay.config;

import java.net.URI;

/** Where a route sends its requests: a real HTTP(S) upstream, or the built-in demo model. */
public sealed interface RouteTarget {

    /** {@code base} has scheme http or https, a host, an optional port and an optional path prefix. */
    record Http(URI base) implements RouteTarget {
    }

    record Demo() implements RouteTarget {
    }
}
