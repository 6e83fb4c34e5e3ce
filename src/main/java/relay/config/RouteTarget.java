package relay.config;

import java.net.URI;

/** Where a route sends its requests: a real HTTP(S) upstream, or the built-in demo model. */
public sealed interface RouteTarget {

    /**
     * {@code base} has scheme http or https, a host, an optional port and an optional path prefix;
     * {@code trust} says which CAs verify an https upstream.
     */
    record Http(URI base, UpstreamTrust trust) implements RouteTarget {
        /** Verified against the JDK's CAs. */
        public Http(URI base) {
            this(base, UpstreamTrust.JDK);
        }
    }

    record Demo() implements RouteTarget {
    }
}
