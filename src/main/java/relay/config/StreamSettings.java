package relay.config;

import java.time.Duration;

/** {@code [stream]}: the limits every relayed exchange runs under. */
public record StreamSettings(Duration idleTimeout, Duration maxDuration, long maxLine) {

    public static final StreamSettings DEFAULTS =
            new StreamSettings(Duration.ofSeconds(300), Duration.ofMinutes(30), 16L * 1024 * 1024);
}
