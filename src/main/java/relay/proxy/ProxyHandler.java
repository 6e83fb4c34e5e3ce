package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import relay.config.Config;
import relay.config.DurationFormat;
import relay.config.Route;
import relay.ops.AccessLog;
import relay.ops.Metrics;
import relay.stream.BodySource;
import relay.stream.EndReason;
import relay.stream.NanoClock;
import relay.stream.TrackedThreads;
import relay.stream.UpstreamFailedException;
import relay.stream.WriteWatchdog;
import relay.upstream.RequestBodyException;
import relay.upstream.UpstreamCall;
import relay.upstream.UpstreamConnectException;
import relay.upstream.UpstreamResponse;

/**
 * Handles one client exchange on its own virtual thread: picks the route, forwards the request, and
 * either relays an event stream (with heartbeats) or proxies any other response unchanged.
 *
 * <p>Commit policy for stream requests: relay waits up to {@code ping.header_grace} for the upstream's
 * response. If it starts in time, the client gets the upstream's real status and headers (a 4xx/5xx
 * with its body, unchanged). If not, relay commits {@code 200} with SSE headers and pings while it
 * waits; a failure after that reaches the client as one SSE error event.
 */
final class ProxyHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger("relay.proxy");
    static final String REQUEST_ID = "X-Relay-Request-Id";

    private final Config config;
    private final RouteTable routes;
    private final AccessLog accessLog;
    private final NanoClock clock;
    private final Admission admission;
    private final StreamResponder streams;
    private final ClientAuth auth;
    private final BooleanSupplier draining;
    private final Metrics metrics;

    ProxyHandler(Config config, RouteTable routes, WriteWatchdog watchdog, AccessLog accessLog, NanoClock clock,
            TrackedThreads streamThreads, Admission admission, BooleanSupplier draining, Metrics metrics) {
        this.draining = draining;
        this.metrics = metrics;
        this.config = config;
        this.routes = routes;
        this.accessLog = accessLog;
        this.clock = clock;
        this.admission = admission;
        this.streams = new StreamResponder(config, watchdog, clock, streamThreads, metrics);
        this.auth = new ClientAuth(config.server().clientKeys());
    }

    @Override
    public void handle(HttpExchange exchange) {
        ExchangeRecord record = new ExchangeRecord(exchange, clock);
        // one id for this exchange in relay's log, the upstream's request and the client's response
        exchange.getResponseHeaders().set(REQUEST_ID, record.requestId);
        try (exchange) {
            if (refusedAsForwardProxy(exchange, record)) {
                return;
            }
            if (draining.getAsBoolean()) {
                metrics.refused("draining");
                record.status = 503;
                exchange.getResponseHeaders().set("Retry-After", "1");
                exchange.getResponseHeaders().set("Connection", "close");
                ErrorResponses.send(exchange, 503, "relay is shutting down; retry on another instance", "server_error",
                        "shutting_down");
                return;
            }
            if (auth.enabled() && !auth.accepts(exchange.getRequestHeaders())) {
                metrics.authFailed();
                record.status = 401;
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                ErrorResponses.send(exchange, 401, "missing or invalid client key (send Authorization: Bearer <key>"
                        + " or x-api-key: <key>)", "invalid_request_error", "invalid_api_key");
                return;
            }
            Optional<BoundRoute> bound = routes.match(exchange.getRequestURI().getPath());
            if (bound.isEmpty()) {
                record.status = 404;
                ErrorResponses.send(exchange, 404, "no route for path " + exchange.getRequestURI().getPath(),
                        "invalid_request_error", "unknown_route");
                return;
            }
            record.route = bound.get().route().prefix();
            if (!admission.tryEnter()) {
                metrics.refused("max_streams");
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
            metrics.exchangeEnded(record.route, record.status, record.bytesIn, record.bytesOut());
            accessLog.record(record.toLog(clock));
        }
    }

    /**
     * relay is a reverse proxy for its configured upstreams only: a request naming another host
     * (absolute-form target) or asking for a tunnel ({@code CONNECT}) is refused, so relay can never
     * be used as an open proxy. The upstream host always comes from the config.
     */
    private static boolean refusedAsForwardProxy(HttpExchange exchange, ExchangeRecord record) {
        String method = exchange.getRequestMethod();
        if (method.equals("TRACE") || method.equals("TRACK")) {
            // an upstream that echoes the request would hand the route's credentials to the client
            record.status = 405;
            exchange.getResponseHeaders().set("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            ErrorResponses.send(exchange, 405, method + " is not supported", "invalid_request_error",
                    "method_not_allowed");
            return true;
        }
        if (method.equals("CONNECT")) {
            record.status = 405;
            exchange.getResponseHeaders().set("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            ErrorResponses.send(exchange, 405, "CONNECT is not supported: relay is not a forward proxy",
                    "invalid_request_error", "method_not_allowed");
            return true;
        }
        java.net.URI target = exchange.getRequestURI();
        if (target.getScheme() != null || target.getRawAuthority() != null || target.getRawPath() == null
                || !target.getRawPath().startsWith("/") || hasDotSegment(target.getPath())) {
            record.status = 400;
            ErrorResponses.send(exchange, 400, "request target must be a path (origin-form): relay is not a forward proxy",
                    "invalid_request_error", "invalid_request_target");
            return true;
        }
        return false;
    }

    /**
     * "/v1/../admin" would match route "/v1" here and mean "/admin" upstream. The decoded path is
     * checked, so "%2e%2e" is caught too.
     */
    private static boolean hasDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private void forward(HttpExchange exchange, BoundRoute bound, ExchangeRecord record) {
        long contentLength = RequestForwarding.contentLength(exchange.getRequestHeaders());
        if (contentLength > config.server().maxBody()) {
            tooLarge(exchange, record);
            return;
        }
        UpstreamCall call;
        boolean streamRequest;
        try {
            RequestBody body = RequestBody.open(exchange.getRequestBody(), contentLength, config.server().maxBody());
            boolean askedBeforeSending = body.asksForStream()
                    || StreamIntent.acceptsOnlyEventStream(exchange.getRequestHeaders());
            call = bound.upstream().call(RequestForwarding.build(exchange, bound.route(), body.stream(), contentLength,
                    askedBeforeSending, auth.enabled(), record.requestId));
            streamRequest = askedBeforeSending || body.asksForStream();
            record.bytesIn = body.bytesRead();
        } catch (RequestBodyException e) {
            if (e.getCause() instanceof BodyTooLargeException) {
                tooLarge(exchange, record);
            } else {
                record.reason = EndReason.CLIENT_GONE;
            }
            return;
        } catch (IOException e) {
            upstreamFailed(exchange, e, record);
            return;
        }
        try (call) {
            if (streamRequest && !respondsWithinGrace(call, record)) {
                streamBeforeHeaders(exchange, bound.route(), call, record);
                return;
            }
            UpstreamResponse response;
            try {
                response = call.response();
            } catch (IOException e) {
                upstreamFailed(exchange, e, record);
                return;
            }
            upstreamAnswered(response, record);
            if (UpstreamAnswer.isEventStream(response)) {
                ResponseHeaders.copy(response.headers(), exchange.getResponseHeaders());
                boolean pinged = streams.pings(bound.route());
                streams.respond(exchange, bound.route(), response.status(), writer -> {
                    if (pinged) {
                        response.clearReadTimeout();
                    }
                    return response.body();
                }, call, record);
            } else {
                BodyProxy.proxy(exchange, response, record);
            }
        } catch (IOException e) {
            // closing the upstream connection failed: it is gone either way
        }
    }

    /** Values that must never reach a client in relay's own messages: the route's and clients' keys. */
    private java.util.List<String> secrets(Route route) {
        java.util.List<String> secrets = new java.util.ArrayList<>(config.server().clientKeys());
        for (String value : route.headers().values()) {
            secrets.add(value);
            int space = value.indexOf(' ');
            if (space > 0 && space < value.length() - 1) {
                secrets.add(value.substring(space + 1).trim()); // the token of "Bearer <token>"
            }
        }
        return secrets;
    }

    private void upstreamAnswered(UpstreamResponse response, ExchangeRecord record) {
        record.upstreamHeadersNanos = clock.nanoTime();
        record.upstreamRequestId = response.header("x-request-id").or(() -> response.header("request-id")).orElse(null);
        metrics.upstreamHeaders((record.upstreamHeadersNanos - record.startNanos) / 1e9);
    }

    /** The grace counts from the request's start: connecting and sending the body use it up first. */
    private boolean respondsWithinGrace(UpstreamCall call, ExchangeRecord record) throws IOException {
        Duration grace = config.ping().headerGrace().minusNanos(clock.nanoTime() - record.startNanos);
        if (grace.isZero() || grace.isNegative()) {
            return false;
        }
        try {
            return call.awaitResponse(grace);
        } catch (IOException e) {
            return true; // call.response() will report the failure with its real status code
        }
    }

    /** The upstream is still silent after the grace: commit 200 now and keep the client alive. */
    private void streamBeforeHeaders(HttpExchange exchange, Route route, UpstreamCall call, ExchangeRecord record) {
        BodySource late = writer -> {
            UpstreamResponse response = call.response();
            upstreamAnswered(response, record);
            if (!UpstreamAnswer.isEventStream(response)) {
                throw new UpstreamFailedException(UpstreamAnswer.failureMessage(response, secrets(route)));
            }
            if (streams.pings(route)) {
                response.clearReadTimeout();
            }
            byte[] notice = UpstreamAnswer.lateHeadersNotice(response);
            if (notice != null) {
                writer.writeNotice(notice);
                LOG.log(Level.INFO, "late upstream headers for {0}: {1}", exchange.getRequestURI().getRawPath(),
                        new String(notice, java.nio.charset.StandardCharsets.UTF_8).trim());
            }
            return response.body();
        };
        streams.respond(exchange, route, 200, late, call, record);
    }

    private void upstreamFailed(HttpExchange exchange, IOException e, ExchangeRecord record) {
        if (e instanceof SocketTimeoutException) { // connect timeouts arrive as UpstreamConnectException
            record.status = 504;
            record.reason = EndReason.IDLE_TIMEOUT;
            ErrorResponses.send(exchange, 504, "upstream did not answer within stream.idle_timeout ("
                    + DurationFormat.format(config.stream().idleTimeout()) + ")", "upstream_error", "upstream_timeout");
            return;
        }
        record.status = 502;
        record.reason = EndReason.UPSTREAM_ERROR;
        String code = e instanceof UpstreamConnectException ? "upstream_unreachable" : "upstream_error";
        String message = e instanceof UpstreamConnectException ? e.getMessage() : "upstream request failed: " + e.getMessage();
        ErrorResponses.send(exchange, 502, message, "upstream_error", code);
    }

    private void tooLarge(HttpExchange exchange, ExchangeRecord record) {
        metrics.refused("max_body");
        record.status = 413;
        ErrorResponses.send(exchange, 413, "request body exceeds server.max_body (" + config.server().maxBody()
                + " bytes)", "invalid_request_error", "body_too_large");
    }
}
