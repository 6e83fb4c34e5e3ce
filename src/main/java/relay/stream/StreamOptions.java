package relay.stream;

import java.time.Duration;

/**
 * The settings one stream runs with, resolved from the config and its route. {@code writeTimeout}
 * only sizes the scope's backstop: a stream that ends at {@code maxDuration} may first have to wait
 * for a write in flight, which the write watchdog bounds by it.
 */
public record StreamOptions(boolean ping, Duration pingInterval, String pingComment, Duration maxDuration, long maxLine,
        Duration idleTimeout, Duration writeTimeout) {
}
