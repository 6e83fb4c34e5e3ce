package relay.config;

import java.time.Duration;
import java.util.Optional;

/**
 * A route's own timing, each value replacing the global one when present: {@code ping_interval}
 * ({@code ping.interval}), {@code header_grace} ({@code ping.header_grace}), {@code idle_timeout}
 * and {@code max_duration} ({@code [stream]}). A route for clients with a short watchdog (or a slow
 * model) gets its own values without changing every other route's.
 */
public record RouteTiming(Optional<Duration> pingInterval, Optional<Duration> headerGrace,
        Optional<Duration> idleTimeout, Optional<Duration> maxDuration) {

    public static final RouteTiming GLOBAL = new RouteTiming(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty());

    public boolean isGlobal() {
        return equals(GLOBAL);
    }
}
