package relay.stream;

import java.time.Duration;

/** The settings one stream runs with, resolved from the config and its route. */
public record StreamOptions(boolean ping, Duration pingInterval, String pingComment, Duration maxDuration, long maxLine) {
}
