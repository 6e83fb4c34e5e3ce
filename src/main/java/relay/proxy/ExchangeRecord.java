package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import relay.ops.ExchangeLog;
import relay.stream.EndReason;
import relay.stream.NanoClock;
import relay.stream.StreamCounters;

/** Collects what happened to one exchange, on its own thread, for the access log line at its end. */
final class ExchangeRecord {
    private final String method;
    private final String path;
    private final long startNanos;
    String route = "-";
    int status;
    boolean stream;
    EndReason reason;
    long upstreamHeadersNanos;
    long bytes;
    StreamCounters counters;

    ExchangeRecord(HttpExchange exchange, NanoClock clock) {
        this.method = exchange.getRequestMethod();
        this.path = exchange.getRequestURI().getRawPath();
        this.startNanos = clock.nanoTime();
    }

    ExchangeLog toLog(NanoClock clock) {
        long now = clock.nanoTime();
        long headersMs = upstreamHeadersNanos == 0 ? -1 : (upstreamHeadersNanos - startNanos) / 1_000_000;
        StreamCounters c = counters != null ? counters : new StreamCounters(0, 0, bytes);
        return new ExchangeLog(method, path, route, status, stream, reason == null ? "-" : reason.code(),
                (now - startNanos) / 1_000_000, headersMs, c.events(), c.pings(), c.bytes());
    }
}
