package relay.stream;

/** What one stream sent its client: events (upstream's), pings (relay's) and bytes of both. */
public record StreamCounters(long events, long pings, long bytes) {
}
