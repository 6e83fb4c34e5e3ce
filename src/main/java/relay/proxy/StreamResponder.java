package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import relay.config.Config;
import relay.config.DurationFormat;
import relay.config.ErrorFormat;
import relay.config.Route;
import relay.stream.BodySource;
import relay.stream.ClientWriter;
import relay.stream.EndReason;
import relay.stream.ErrorEvent;
import relay.stream.NanoClock;
import relay.stream.StreamEnd;
import relay.stream.StreamOptions;
import relay.stream.StreamSession;
import relay.stream.TrackedThreads;
import relay.stream.WriteWatchdog;
import relay.stream.UsageMeter;
import relay.ops.Metrics;

/**
 * Answers a client with an event stream: commits the status and SSE headers, runs the stream's
 * scanner and pinger, and ends the response with an in-band error event when the stream was cut.
 */
final class StreamResponder {
    private final Config config;
    private final WriteWatchdog watchdog;
    private final NanoClock clock;
    private final TrackedThreads threads;

    private final Metrics metrics;

    StreamResponder(Config config, WriteWatchdog watchdog, NanoClock clock, TrackedThreads threads, Metrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.watchdog = watchdog;
        this.clock = clock;
        this.threads = threads;
    }

    /**
     * Sends {@code status} with the SSE headers (plus whatever the caller already put in the response
     * headers), then relays {@code body} until the stream ends; {@code upstream} is closed as soon as
     * the stream has ended, before the final error event is written.
     */
    void respond(HttpExchange exchange, Route route, int status, BodySource body, Closeable upstream,
            ExchangeRecord record) {
        record.stream = true;
        record.status = status;
        ResponseHeaders.setEventStream(exchange.getResponseHeaders());
        OutputStream out;
        try {
            exchange.sendResponseHeaders(status, 0);
            out = exchange.getResponseBody();
            out.flush(); // the headers are the stream's first write: the client must see them now
        } catch (IOException e) {
            record.reason = EndReason.CLIENT_GONE;
            return;
        }
        ClientWriter writer = new ClientWriter(out, clock, metrics::eventWritten);
        UsageMeter usage = new UsageMeter();
        long started = clock.nanoTime();
        watchdog.watch(writer);
        metrics.streamStarted();
        try {
            StreamEnd end;
            try {
                end = new StreamSession(options(route), clock, threads).run(body, writer, usage);
            } catch (InterruptedException e) {
                // relay is shutting down (drain timeout passed): both subtasks have ended; tell the client
                Thread.interrupted(); // an interrupt pending would close the client's channel on the next write
                end = new StreamEnd(EndReason.SHUTDOWN, null);
            }
            record.reason = end.reason();
            closeQuietly(upstream); // cancel the upstream request before anything else happens
            if (end.reason().needsErrorEvent()) {
                writer.writeFinal(errorEvent(route, exchange.getRequestURI().getPath(), end));
            }
            writer.close();
        } finally {
            watchdog.forget(writer);
            record.counters = writer.counters();
            record.firstEventNanos = writer.firstEventNanos();
            record.usage = usage.usage();
            metrics.streamEnded(route.prefix(), record.reason == null ? EndReason.INTERNAL_ERROR.code() : record.reason.code(),
                    record.counters.pings(), (clock.nanoTime() - started) / 1e9);
        }
    }

    private static void closeQuietly(Closeable upstream) {
        try {
            upstream.close();
        } catch (IOException e) {
            // it is closed either way
        }
    }

    /** Pings on for this route: the pinger then also enforces stream.idle_timeout. */
    boolean pings(Route route) {
        return config.ping().enabled() && route.ping();
    }

    private StreamOptions options(Route route) {
        return new StreamOptions(pings(route), config.ping().interval(),
                config.ping().comment(), config.stream().maxDuration(), config.stream().maxLine(),
                config.stream().idleTimeout());
    }

    private byte[] errorEvent(Route route, String path, StreamEnd end) {
        String message = switch (end.reason()) {
            case IDLE_TIMEOUT -> "upstream sent nothing for " + DurationFormat.format(config.stream().idleTimeout())
                    + " (stream.idle_timeout)";
            case MAX_DURATION -> "stream reached stream.max_duration (" + DurationFormat.format(config.stream().maxDuration()) + ")";
            case UPSTREAM_ERROR -> end.detail() != null ? end.detail()
                    : "upstream connection failed before the stream was complete";
            case LINE_TOO_LONG -> "upstream sent a line longer than stream.max_line (" + config.stream().maxLine()
                    + " bytes)";
            case WRITE_TIMEOUT -> "client did not read for ping.write_timeout (" + DurationFormat.format(config.ping().writeTimeout()) + ")";
            case SHUTDOWN -> "relay is shutting down";
            default -> "relay failed while relaying the stream";
        };
        boolean anthropic = route.errors() == ErrorFormat.ANTHROPIC
                || (route.errors() == ErrorFormat.AUTO && path.endsWith("/v1/messages"));
        return anthropic ? ErrorEvent.anthropic(end.reason().code(), message)
                : ErrorEvent.openAi(end.reason().code(), "relay_error", message);
    }
}
