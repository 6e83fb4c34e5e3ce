package relay.config;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code [upstream]}: how relay connects to the APIs behind it. Up to {@code maxIdlePerHost} idle
 * connections per upstream are kept for reuse (0: one connection per request), each for at most
 * {@code idleTtl}; {@code proxy}, when set, is the HTTP proxy connections are tunnelled through.
 */
public record UpstreamSettings(Duration connectTimeout, Duration keepalive, int maxIdlePerHost, Duration idleTtl,
        Optional<EgressProxy> proxy) {

    public static final int DEFAULT_MAX_IDLE_PER_HOST = 32;
    public static final Duration DEFAULT_IDLE_TTL = Duration.ofSeconds(30);

    public static final UpstreamSettings DEFAULTS = new UpstreamSettings(Duration.ofSeconds(10), Duration.ofSeconds(15),
            DEFAULT_MAX_IDLE_PER_HOST, DEFAULT_IDLE_TTL, Optional.empty());

    /** With the default connection reuse and no proxy. */
    public UpstreamSettings(Duration connectTimeout, Duration keepalive) {
        this(connectTimeout, keepalive, DEFAULT_MAX_IDLE_PER_HOST, DEFAULT_IDLE_TTL, Optional.empty());
    }

    /** Without a proxy. */
    public UpstreamSettings(Duration connectTimeout, Duration keepalive, int maxIdlePerHost, Duration idleTtl) {
        this(connectTimeout, keepalive, maxIdlePerHost, idleTtl, Optional.empty());
    }

    public UpstreamSettings withoutReuse() {
        return new UpstreamSettings(connectTimeout, keepalive, 0, idleTtl, proxy);
    }

    public UpstreamSettings withProxy(EgressProxy via) {
        return new UpstreamSettings(connectTimeout, keepalive, maxIdlePerHost, idleTtl, Optional.of(via));
    }
}
