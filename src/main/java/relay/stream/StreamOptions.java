package relay.stream;

import java.time.Duration;

/**
 * The settings one stream runs with, resolved from the config and its route. With pings on, the
 * pinger also enforces {@code idleTimeout} (the upstream socket then reads without a timeout, which
 * saves a timer per read); with pings off the upstream socket's own read timeout does.
 */
public record StreamOptions(boolean ping, Duration pingInterval, String pingComment, Duration maxDuration, long maxLine,
        Duration idleTimeout) {

    public StreamOptions(boolean ping, Duration pingInterval, String pingComment, Duration maxDuration, long maxLine) {
        this(ping, pingInterval, pingComment, maxDuration, maxLine, Duration.ofDays(365));
    }
}
