package relay.config;

import java.time.Duration;

/** {@code [ping]}: the heartbeat written to silent streams. */
public record PingSettings(
        boolean enabled,
        Duration interval,
        Duration writeTimeout,
        Duration headerGrace,
        String comment) {

    /** new-api's default: an interval of zero or less means this. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    public static final PingSettings DEFAULTS = new PingSettings(
            true, DEFAULT_INTERVAL, Duration.ofSeconds(10), Duration.ofSeconds(1), "PING");
}
