package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.net.URI;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import relay.config.ClientKey;
import relay.ops.Metrics;

/**
 * The requests relay answers itself, before any upstream is involved: not a reverse-proxy request,
 * relay draining, a bad client key, body too large, at {@code server.max_streams}. Each method
 * answers and returns true when it refused.
 */
final class Refusals {
    private static final String ALLOW = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    private final Metrics metrics;
    private final ClientAuth auth;
    private final BooleanSupplier draining;

    Refusals(Metrics metrics, ClientAuth auth, BooleanSupplier draining) {
        this.metrics = metrics;
        this.auth = auth;
        this.draining = draining;
    }

    /** The refusals that need no route: checked in this order. */
    boolean refusedBeforeRouting(HttpExchange exchange, ExchangeRecord record) {
        return refusedAsForwardProxy(exchange, record) || refusedWhileDraining(exchange, record);
    }

    /**
     * relay is a reverse proxy for its configured upstreams only: a request naming another host
     * (absolute-form target) or asking for a tunnel ({@code CONNECT}) is refused, so relay can never
     * be used as an open proxy; {@code TRACE} is refused because an upstream that echoes the request
     * would hand the route's credentials to the client.
     */
    private boolean refusedAsForwardProxy(HttpExchange exchange, ExchangeRecord record) {
        String method = exchange.getRequestMethod();
        if (method.equals("TRACE") || method.equals("TRACK") || method.equals("CONNECT")) {
            exchange.getResponseHeaders().set("Allow", ALLOW);
            String why = method.equals("CONNECT") ? "CONNECT is not supported: relay is not a forward proxy"
                    : method + " is not supported";
            return refuse(exchange, record, 405, why, "invalid_request_error", "method_not_allowed");
        }
        URI target = exchange.getRequestURI();
        if (target.getScheme() != null || target.getRawAuthority() != null || target.getRawPath() == null
                || !target.getRawPath().startsWith("/") || hasDotSegment(target.getPath())) {
            return refuse(exchange, record, 400, "request target must be a path (origin-form): relay is not a forward proxy",
                    "invalid_request_error", "invalid_request_target");
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

    private boolean refusedWhileDraining(HttpExchange exchange, ExchangeRecord record) {
        if (!draining.getAsBoolean()) {
            return false;
        }
        metrics.refused("draining");
        exchange.getResponseHeaders().set("Retry-After", "1");
        exchange.getResponseHeaders().set("Connection", "close");
        return refuse(exchange, record, 503, "relay is shutting down; retry on another instance", "server_error",
                "shutting_down");
    }

    /** After routing, so that a route's CORS headers are on the 401 and a browser can read it. */
    boolean refusedByAuth(HttpExchange exchange, ExchangeRecord record) {
        if (!auth.enabled()) {
            return false;
        }
        Optional<ClientKey> key = auth.identify(exchange.getRequestHeaders());
        if (key.isPresent()) {
            record.clientKey = key.get();
            return false;
        }
        metrics.authFailed();
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        return refuse(exchange, record, 401, "missing or invalid client key (send Authorization: Bearer <key>"
                + " or x-api-key: <key>)", "invalid_request_error", "invalid_api_key");
    }

    void noRoute(HttpExchange exchange, ExchangeRecord record) {
        refuse(exchange, record, 404, "no route for path " + exchange.getRequestURI().getPath(),
                "invalid_request_error", "unknown_route");
    }

    /** With strip_prefix the raw path must spell the prefix segment by segment (no {@code %2F} inside it). */
    void unmappablePath(HttpExchange exchange, ExchangeRecord record, String prefix) {
        refuse(exchange, record, 400, "request path does not start with the route prefix " + prefix
                + " segment by segment (an encoded '/' in it?)", "invalid_request_error", "invalid_request_target");
    }

    /** No route of the path takes the request's model: 404 naming it, as OpenAI answers an unknown model. */
    void noRouteForModel(HttpExchange exchange, ExchangeRecord record, String model) {
        String message = model == null
                ? "no route for path " + exchange.getRequestURI().getPath() + " takes a request without a model"
                        + " (none was found in its first " + RequestBody.MODEL_LOOKAHEAD / 1024 + " KiB)"
                : "no route for path " + exchange.getRequestURI().getPath() + " takes model \"" + model + "\"";
        refuse(exchange, record, 404, message, "invalid_request_error", "model_not_found");
    }

    void overloaded(HttpExchange exchange, ExchangeRecord record, int limit) {
        metrics.refused("max_streams");
        exchange.getResponseHeaders().set("Retry-After", "1");
        refuse(exchange, record, 503, "relay is at server.max_streams (" + limit + " concurrent requests); retry later",
                "server_error", "overloaded");
    }

    /** {@code key} has its {@code max_streams} exchanges in flight: 429, as an upstream's rate limit would. */
    void keyOverLimit(HttpExchange exchange, ExchangeRecord record, ClientKey key) {
        metrics.refused("key_max_streams");
        exchange.getResponseHeaders().set("Retry-After", "1");
        refuse(exchange, record, 429, "client key " + key.name() + " has " + key.maxStreams()
                + " requests in flight (its max_streams); retry later", "rate_limit_error", "key_max_streams");
    }

    void tooLarge(HttpExchange exchange, ExchangeRecord record, long maxBody) {
        metrics.refused("max_body");
        refuse(exchange, record, 413, "request body exceeds server.max_body (" + maxBody + " bytes)",
                "invalid_request_error", "body_too_large");
    }

    private static boolean refuse(HttpExchange exchange, ExchangeRecord record, int status, String message, String type,
            String code) {
        record.status = status;
        record.bytes = ErrorResponses.send(exchange, status, message, type, code);
        return true;
    }
}
