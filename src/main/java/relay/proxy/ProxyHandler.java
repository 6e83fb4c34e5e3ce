package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.util.Locale;
import java.util.Optional;
import relay.config.Config;
import relay.config.ErrorFormat;
import relay.config.Route;
import relay.ops.AccessLog;
import relay.ops.ExchangeLog;
import relay.stream.ClientWriter;
import relay.stream.EndReason;
import relay.stream.ErrorEvent;
import relay.stream.NanoClock;
import relay.stream.StreamOptions;
import relay.stream.StreamSession;
import relay.stream.TrackedThreads;
import relay.stream.WriteWatchdog;
import relay.upstream.RequestBodyException;
import relay.upstream.UpstreamConnectException;
import relay.upstream.UpstreamResponse;

/**
 * Handles one client exchange on its own virtual thread: picks the route, forwards the request, and
 * either relays an event stream (with heartbeats) or proxies any other response unchanged.
 */
final class ProxyHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger("relay.proxy");
    private static final int COPY_BUFFER = 8192;

    private final Config config;
    private final RouteTable routes;
    private final WriteWatchdog watchdog;
    private final AccessLog accessLog;
    private final NanoClock clock;
    private final TrackedThreads streamThreads;
    private final Admission admission;

    ProxyHandler(Config config, RouteTable routes, WriteWatchdog watchdog, AccessLog accessLog, NanoClock clock,
            TrackedThreads streamThreads) {
        this.streamThreads = streamThreads;
        this.admission = new Admission(config.server().maxStreams());
        this.config = config;
        this.routes = routes;
        this.watchdog = watchdog;
        this.accessLog = accessLog;
        this.clock = clock;
    }

    @Override
    public void handle(HttpExchange exchange) {
        ExchangeRecord record = new ExchangeRecord(exchange, clock);
        try (exchange) {
            Optional<BoundRoute> bound = routes.match(exchange.getRequestURI().getPath());
            if (bound.isEmpty()) {
                record.status = 404;
                ErrorResponses.send(exchange, 404, "no route for path " + exchange.getRequestURI().getPath(),
                        "invalid_request_error", "unknown_route");
                return;
            }
            record.route = bound.get().route().prefix();
            if (!admission.tryEnter()) {
                record.status = 503;
                exchange.getResponseHeaders().set("Retry-After", "1");
                ErrorResponses.send(exchange, 503, "relay is at server.max_streams (" + admission.limit()
                        + " concurrent requests); retry later", "server_error", "overloaded");
                return;
            }
            try {
                forward(exchange, bound.get(), record);
            } finally {
                admission.leave();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "exchange failed", e);
            record.reason = EndReason.INTERNAL_ERROR;
        } finally {
            accessLog.record(record.toLog(clock));
        }
    }

    private void forward(HttpExchange exchange, BoundRoute bound, ExchangeRecord record) {
        long contentLength = RequestForwarding.contentLength(exchange.getRequestHeaders());
        if (contentLength > config.server().maxBody()) {
            record.status = 413;
            ErrorResponses.send(exchange, 413, "request body exceeds server.max_body (" + config.server().maxBody()
                    + " bytes)", "invalid_request_error", "body_too_large");
            return;
        }
        UpstreamResponse response;
        try {
            response = bound.upstream().send(RequestForwarding.build(exchange, bound.route(), contentLength));
        } catch (RequestBodyException e) {
            record.reason = EndReason.CLIENT_GONE;
            return;
        } catch (UpstreamConnectException e) {
            record.status = 502;
            record.reason = EndReason.UPSTREAM_ERROR;
            ErrorResponses.send(exchange, 502, e.getMessage(), "upstream_error", "upstream_unreachable");
            return;
        } catch (SocketTimeoutException e) {
            record.status = 504;
            record.reason = EndReason.IDLE_TIMEOUT;
            ErrorResponses.send(exchange, 504, "upstream did not answer within stream.idle_timeout ("
                    + config.stream().idleTimeout().toSeconds() + "s)", "upstream_error", "upstream_timeout");
            return;
        } catch (IOException e) {
            record.status = 502;
            record.reason = EndReason.UPSTREAM_ERROR;
            ErrorResponses.send(exchange, 502, "upstream request failed: " + e.getMessage(), "upstream_error",
                    "upstream_error");
            return;
        }
        record.upstreamHeadersNanos = clock.nanoTime();
        try (response) {
            record.status = response.status();
            if (isEventStream(response)) {
                relayStream(exchange, bound.route(), response, record);
            } else {
                proxyBody(exchange, response, record);
            }
        } catch (IOException e) {
            // closing the upstream connection failed: it is gone either way
        }
    }

    private static boolean isEventStream(UpstreamResponse response) {
        return response.status() / 100 == 2
                && response.header("Content-Type")
                        .map(type -> type.toLowerCase(Locale.ROOT).startsWith("text/event-stream"))
                        .orElse(false);
    }

    private void relayStream(HttpExchange exchange, Route route, UpstreamResponse response, ExchangeRecord record) {
        record.stream = true;
        ResponseHeaders.copy(response.headers(), exchange.getResponseHeaders());
        ResponseHeaders.setEventStream(exchange.getResponseHeaders());
        OutputStream out;
        try {
            exchange.sendResponseHeaders(response.status(), 0);
            out = exchange.getResponseBody();
            out.flush();
        } catch (IOException e) {
            record.reason = EndReason.CLIENT_GONE;
            return;
        }
        ClientWriter writer = new ClientWriter(out, clock);
        watchdog.watch(writer);
        try {
            EndReason reason = new StreamSession(streamOptions(route), clock, streamThreads).run(response.body(), writer);
            record.reason = reason;
            closeQuietly(response); // cancel the upstream before anything else is written
            if (reason.needsErrorEvent()) {
                writer.writeFinal(errorEvent(route, exchange.getRequestURI().getPath(), reason));
            }
            writer.close();
        } catch (InterruptedException e) {
            record.reason = EndReason.SHUTDOWN;
            Thread.currentThread().interrupt();
        } finally {
            watchdog.forget(writer);
            record.counters = writer.counters();
        }
    }

    private StreamOptions streamOptions(Route route) {
        return new StreamOptions(config.ping().enabled() && route.ping(), config.ping().interval(),
                config.ping().comment(), config.stream().maxDuration(), config.stream().maxLine());
    }

    private byte[] errorEvent(Route route, String path, EndReason reason) {
        String message = switch (reason) {
            case IDLE_TIMEOUT -> "upstream sent nothing for " + config.stream().idleTimeout().toSeconds()
                    + "s (stream.idle_timeout)";
            case MAX_DURATION -> "stream reached stream.max_duration (" + config.stream().maxDuration().toSeconds() + "s)";
            case UPSTREAM_ERROR -> "upstream connection failed before the stream was complete";
            case LINE_TOO_LONG -> "upstream sent a line longer than stream.max_line (" + config.stream().maxLine()
                    + " bytes)";
            case WRITE_TIMEOUT -> "client did not read for ping.write_timeout";
            case SHUTDOWN -> "relay is shutting down";
            default -> "relay failed while relaying the stream";
        };
        boolean anthropic = route.errors() == ErrorFormat.ANTHROPIC
                || (route.errors() == ErrorFormat.AUTO && path.endsWith("/v1/messages"));
        return anthropic ? ErrorEvent.anthropic(reason.code(), message)
                : ErrorEvent.openAi(reason.code(), "relay_error", message);
    }

    private static void proxyBody(HttpExchange exchange, UpstreamResponse response, ExchangeRecord record) {
        ResponseHeaders.copy(response.headers(), exchange.getResponseHeaders());
        long length = bodyLength(exchange.getRequestMethod(), response);
        OutputStream out;
        try {
            exchange.sendResponseHeaders(response.status(), length);
            if (length == -1) {
                record.reason = EndReason.EOF;
                return;
            }
            out = exchange.getResponseBody();
        } catch (IOException e) {
            record.reason = EndReason.CLIENT_GONE;
            return;
        }
        byte[] buffer = new byte[COPY_BUFFER];
        InputStream in = response.body();
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                record.reason = EndReason.IDLE_TIMEOUT;
                ExchangeAbort.abort(exchange);
                return;
            } catch (IOException e) {
                record.reason = EndReason.UPSTREAM_ERROR;
                ExchangeAbort.abort(exchange);
                return;
            }
            if (n == -1) {
                record.reason = EndReason.EOF;
                return;
            }
            try {
                out.write(buffer, 0, n);
                record.bytes += n;
                if (in.available() == 0) {
                    out.flush(); // stream as it arrives: never hold a partial body back
                }
            } catch (IOException e) {
                record.reason = EndReason.CLIENT_GONE;
                return;
            }
        }
    }

    /** The length to announce: exact when the upstream gave one, -1 for no body, 0 for chunked. */
    private static long bodyLength(String method, UpstreamResponse response) {
        int status = response.status();
        if (method.equals("HEAD") || status == 204 || status == 304 || (status >= 100 && status < 200)) {
            return -1;
        }
        Optional<String> length = response.header("Content-Length");
        if (length.isPresent() && response.header("Transfer-Encoding").isEmpty()) {
            try {
                long n = Long.parseLong(length.get().trim());
                return n == 0 ? -1 : n;
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    private static void closeQuietly(UpstreamResponse response) {
        try {
            response.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
