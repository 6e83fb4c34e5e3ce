package relay.config;

import java.time.Duration;

/**
 * {@code [stream]}: the limits every relayed exchange runs under. {@code firstEventTimeout} is the
 * longest wait from the request to the stream's first data event; zero is off.
 */
public record StreamSettings(Duration idleTimeout, Duration maxDuration, long maxLine, Duration firstEventTimeout) {

    public static final StreamSettings DEFAULTS =
            new StreamSettings(Duration.ofSeconds(300), Duration.ofMinutes(30), 16L * 1024 * 1024, Duration.ZERO);

    /** Without a first-event timeout. */
    public StreamSettings(Duration idleTimeout, Duration maxDuration, long maxLine) {
        this(idleTimeout, maxDuration, maxLine, Duration.ZERO);
    }
}
