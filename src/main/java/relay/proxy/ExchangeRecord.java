package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.List;
import java.util.stream.Collectors;
import relay.config.ClientKey;
import relay.failover.Attempt;
import relay.failover.FailoverCall;
import relay.ops.ExchangeLog;
import relay.stream.EndReason;
import relay.time.NanoClock;
import relay.stream.StreamCounters;
import relay.stream.TokenUsage;

/** Collects what happened to one exchange, on its own thread, for the access log line at its end. */
final class ExchangeRecord {
    private final String method;
    private final String path;
    private final String client;
    final String requestId;
    final long startNanos;
    String route = "-";
    /** The client key the request presented; null without client keys. */
    ClientKey clientKey;
    /** The request's top-level model, when relay read it. */
    String model;
    int status;
    boolean stream;
    EndReason reason;
    long upstreamHeadersNanos;
    long bytes;
    long bytesIn;
    String upstreamRequestId;
    /** The request's attempts: which upstream answered, and every try when there was more than one. */
    FailoverCall attempts;
    TokenUsage usage;
    StreamCounters counters;
    /** What failed, for the log: set through {@link #failed}. */
    private String error;

    ExchangeRecord(HttpExchange exchange, NanoClock clock) {
        this.method = exchange.getRequestMethod();
        this.path = exchange.getRequestURI().getRawPath();
        InetSocketAddress remote = exchange.getRemoteAddress();
        this.client = remote == null ? "-" : remote.getAddress().getHostAddress() + ":" + remote.getPort();
        this.requestId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        this.startNanos = clock.nanoTime();
    }

    /** Records the cause of a failure in one line; callers pass text with secrets already removed. */
    void failed(String cause) {
        this.error = cause == null ? null : cause.replaceAll("[\\r\\n]+", " ");
    }

    long bytesOut() {
        return counters != null ? counters.bytes() : bytes;
    }

    ExchangeLog toLog(NanoClock clock) {
        long now = clock.nanoTime();
        StreamCounters c = counters != null ? counters : new StreamCounters(0, 0, bytes, 0);
        return new ExchangeLog(requestId, client, method, path == null ? "-" : path, route,
                clientKey == null ? null : clientKey.name(), model,
                status, stream,
                reason == null ? "-" : reason.code(), (now - startNanos) / 1_000_000, sinceStart(upstreamHeadersNanos),
                sinceStart(c.firstEventNanos()), c.events(), c.pings(), bytesIn, c.bytes(), upstreamRequestId,
                attempts == null ? null : attempts.upstream(), attemptList(), attempts == null ? null : attempts.notRetried(),
                usage, error);
    }

    private String attemptList() {
        List<Attempt> all = attempts == null ? List.of() : attempts.attempts();
        return all.size() < 2 ? null : all.stream().map(Attempt::toString).collect(Collectors.joining(","));
    }

    private long sinceStart(long nanos) {
        return nanos == 0 ? -1 : (nanos - startNanos) / 1_000_000;
    }
}
