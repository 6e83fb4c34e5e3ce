package relay.config;

import java.time.Duration;

/** {@code [upstream]}: how relay connects to the APIs behind it. */
public record UpstreamSettings(Duration connectTimeout, Duration keepalive) {

    public static final UpstreamSettings DEFAULTS =
            new UpstreamSettings(Duration.ofSeconds(10), Duration.ofSeconds(15));
}
