package relay.config;

import java.net.URI;

/** Where a route sends its requests: a real HTTP(S) upstream, or the built-in demo model. */
public sealed interface RouteTarget {

    /**
     * {@code base} has scheme http or https, a host, an optional port and an optional path prefix;
     * {@code trust} says which CAs verify an https upstream.
     */
    record Http(URI base, UpstreamTrust trust, ProxyChoice proxy) implements RouteTarget {
        /** Verified against the JDK's CAs. */
        public Http(URI base) {
            this(base, UpstreamTrust.JDK);
        }

        /** Through {@code upstream.proxy}, if one is set. */
        public Http(URI base, UpstreamTrust trust) {
            this(base, trust, ProxyChoice.INHERIT);
        }

        public Http withTrust(UpstreamTrust newTrust) {
            return new Http(base, newTrust, proxy);
        }

        /** The proxy this upstream's connections go through, given {@code upstream.proxy}. */
        public java.util.Optional<EgressProxy> proxyGiven(java.util.Optional<EgressProxy> global) {
            return switch (proxy) {
                case ProxyChoice.Inherit inherit -> global;
                case ProxyChoice.Direct direct -> java.util.Optional.empty();
                case ProxyChoice.Via via -> java.util.Optional.of(via.proxy());
            };
        }
    }

    /** An upstream's own {@code proxy}: none given ({@code upstream.proxy} applies), {@code "direct"}, or a proxy URL. */
    sealed interface ProxyChoice {
        ProxyChoice INHERIT = new Inherit();

        record Inherit() implements ProxyChoice {
        }

        record Direct() implements ProxyChoice {
        }

        record Via(EgressProxy proxy) implements ProxyChoice {
        }
    }

    record Demo() implements RouteTarget {
    }
}
