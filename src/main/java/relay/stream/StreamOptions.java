package relay.stream;

import java.time.Duration;

/**
 * The settings one stream runs with, resolved from the config and its route. {@code writeTimeout}
 * only sizes the scope's backstop: a stream that ends at {@code maxDuration} may first have to wait
 * for a write in flight, which the write watchdog bounds by it. {@code completion} says whether the
 * upstream's clean end of the body is enough for a clean end of the stream.
 */
public record StreamOptions(boolean ping, Duration pingInterval, String pingComment, Duration maxDuration, long maxLine,
        Duration idleTimeout, Duration writeTimeout, long firstEventDeadlineNanos, Completion completion) {

    /** No first-event deadline ({@code stream.first_event_timeout} off). */
    public static final long NO_DEADLINE = Long.MIN_VALUE;

    public StreamOptions(boolean ping, Duration pingInterval, String pingComment, Duration maxDuration, long maxLine,
            Duration idleTimeout, Duration writeTimeout) {
        this(ping, pingInterval, pingComment, maxDuration, maxLine, idleTimeout, writeTimeout, NO_DEADLINE);
    }

    /** A stream whose clean body end is a clean end. */
    public StreamOptions(boolean ping, Duration pingInterval, String pingComment, Duration maxDuration, long maxLine,
            Duration idleTimeout, Duration writeTimeout, long firstEventDeadlineNanos) {
        this(ping, pingInterval, pingComment, maxDuration, maxLine, idleTimeout, writeTimeout, firstEventDeadlineNanos,
                Completion.BODY_END);
    }
}
