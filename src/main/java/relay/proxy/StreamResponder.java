package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import relay.config.Config;
import relay.config.ErrorFormat;
import relay.config.Route;
import relay.ops.Metrics;
import relay.stream.ClientDeparture;
import relay.stream.ClientWriter;
import relay.stream.Completion;
import relay.stream.EndReason;
import relay.time.NanoClock;
import relay.stream.StreamEnd;
import relay.stream.StreamOptions;
import relay.stream.StreamSession;
import relay.stream.UsageMeter;

/**
 * Answers a client with an event stream: commits the status and SSE headers, runs the stream, and
 * ends the response with an in-band error event when the stream was cut.
 */
final class StreamResponder {
    private final Config config;
    private final NanoClock clock;
    private final TrackedThreads threads;
    private final Metrics metrics;

    StreamResponder(Config config, NanoClock clock, TrackedThreads threads, Metrics metrics) {
        this.config = config;
        this.clock = clock;
        this.threads = threads;
        this.metrics = metrics;
    }

    /**
     * Sends {@code status} with the SSE headers (plus whatever the caller already put in the response
     * headers), then relays {@code upstream}, which this takes over: it is closed when this returns,
     * and so is {@code departure}, before the response ends.
     */
    void respond(HttpExchange exchange, Route route, int status, UpstreamBody upstream, ExchangeRecord record,
            ClientDeparture departure) {
        record.stream = true;
        record.status = status;
        ResponseHeaders.setEventStream(exchange.getResponseHeaders());
        OutputStream out;
        try {
            exchange.sendResponseHeaders(status, 0);
            out = exchange.getResponseBody();
            out.flush(); // the headers are the stream's first write: the client must see them now
        } catch (IOException e) {
            departure.close();
            record.reason = EndReason.CLIENT_GONE;
            closeQuietly(upstream);
            return;
        }
        ClientWriter writer = new ClientWriter(out, clock, metrics::eventWritten);
        UsageMeter usage = new UsageMeter();
        long started = clock.nanoTime();
        metrics.streamStarted();
        StreamEnd end = new StreamSession(options(route, exchange.getRequestURI().getPath(), record.startNanos), clock,
                threads).run(upstream, writer, usage, departure);
        departure.close(); // before the response ends: the JDK may then give the connection to the next request
        if (end.reason().needsErrorEvent()) {
            writer.writeFinal(ErrorEvent.forEnd(config, route, exchange.getRequestURI().getPath(), end));
        }
        writer.close();
        record.reason = end.reason();
        if (end.reason() == EndReason.UPSTREAM_ERROR) {
            record.failed(end.detail());
        }
        record.counters = writer.counters();
        record.usage = usage.usage();
        metrics.streamEnded(route.prefix(), end.reason().code(), record.counters.pings(),
                (clock.nanoTime() - started) / 1e9);
    }

    private static void closeQuietly(UpstreamBody upstream) {
        try {
            upstream.close();
        } catch (IOException e) {
            // it is closed either way
        }
    }

    private StreamOptions options(Route route, String path, long requestStartNanos) {
        Duration firstEvent = route.firstEventTimeout(config.stream());
        long firstEventDeadline = firstEvent.isPositive() ? requestStartNanos + firstEvent.toNanos() : StreamOptions.NO_DEADLINE;
        return new StreamOptions(route.pings(config.ping()), route.pingInterval(config.ping()),
                config.ping().comment(), route.maxDuration(config.stream()), config.stream().maxLine(),
                route.idleTimeout(config.stream()),
                config.ping().writeTimeout(), firstEventDeadline,
                route.errors().forPath(path) == ErrorFormat.RESPONSES ? Completion.RESPONSES : Completion.BODY_END);
    }
}
