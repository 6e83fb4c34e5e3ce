package relay.ops;

/**
 * One access-log line: what happened to one exchange. {@code reason} is the end reason's code for
 * streams and proxied bodies; {@code upstreamHeadersMs} is -1 when the upstream never answered.
 */
public record ExchangeLog(
        String method,
        String path,
        String route,
        int status,
        boolean stream,
        String reason,
        long durationMs,
        long upstreamHeadersMs,
        long events,
        long pings,
        long bytes) {
}
