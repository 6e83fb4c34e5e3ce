package relay.stream;

/**
 * What one stream sent its client: events (upstream's), pings (relay's), bytes of both, and when the
 * first event reached it ({@code 0}: none did).
 */
public record StreamCounters(long events, long pings, long bytes, long firstEventNanos) {
}
