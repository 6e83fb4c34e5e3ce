package relay.proxy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import relay.config.CorsSettings;
import relay.config.Route;

/**
 * A route's own CORS answer ({@code cors_origins}): relay answers preflights itself and sets its
 * {@code Access-Control-*} headers before any response of the route goes out, so that relay's early
 * {@code 200}, its own errors and the upstream's answers all carry them; the upstream's are dropped.
 * Without it, a browser's request is not committed early ({@link #holdsEarlyCommit}).
 */
final class CorsPolicy {
    private static final System.Logger LOG = System.getLogger("relay.proxy");
    /** Max-Age of a preflight answer: browsers cap it at 2 h (Chromium) or 24 h (Firefox) anyway. */
    static final String MAX_AGE = "600";
    /** Response headers a page may read besides the CORS-safelisted ones. */
    static final String EXPOSED = "X-Relay-Request-Id, x-request-id, request-id, retry-after";

    /** Routes whose first cross-origin request without route CORS has been logged. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /**
     * A browser's request (it has an {@code Origin}) on a route without CORS of its own is not
     * committed early: relay's own 200 could not carry the upstream's Access-Control-Allow-Origin,
     * and the browser would refuse the very streams relay waits for. It waits for the upstream's
     * head instead (pings start once it is there); the first such request of a route logs why.
     */
    boolean holdsEarlyCommit(HttpExchange exchange, Route route) {
        if (route.cors().enabled() || !exchange.getRequestHeaders().containsKey("Origin")) {
            return false;
        }
        if (warned.add(route.prefix())) {
            LOG.log(System.Logger.Level.WARNING, "route " + route.prefix() + ": a browser request (Origin header) is "
                    + "not committed before the upstream's headers, so that the upstream's CORS answer reaches it; set "
                    + "cors_origins on the route to let relay answer CORS and ping before the headers");
        }
        return true;
    }

    /** {@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}: a browser asking first. */
    static boolean isPreflight(HttpExchange exchange) {
        Headers h = exchange.getRequestHeaders();
        return exchange.getRequestMethod().equals("OPTIONS") && h.containsKey("Origin")
                && h.containsKey("Access-Control-Request-Method");
    }

    /** 204 with what the origin may do, or 403 in the OpenAI error shape for an origin not listed. */
    static void answerPreflight(HttpExchange exchange, ExchangeRecord record, CorsSettings cors) {
        Headers request = exchange.getRequestHeaders();
        String origin = request.getFirst("Origin");
        Headers response = exchange.getResponseHeaders();
        response.add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
        if (!cors.allows(origin)) {
            record.status = 403;
            record.bytes = ErrorResponses.send(exchange, 403, "origin " + origin + " is not in this route's cors_origins",
                    "invalid_request_error", "origin_not_allowed");
            return;
        }
        allowOrigin(response, origin, cors);
        response.set("Access-Control-Allow-Methods", request.getFirst("Access-Control-Request-Method"));
        String asked = request.getFirst("Access-Control-Request-Headers");
        if (asked != null && !asked.isBlank()) {
            response.set("Access-Control-Allow-Headers", allowedHeaders(asked, cors));
        }
        response.set("Access-Control-Max-Age", MAX_AGE);
        record.status = 204;
        try {
            exchange.sendResponseHeaders(204, -1);
        } catch (java.io.IOException e) {
            // the browser left: nothing to answer
        }
    }

    /** Sets the answer for the request's origin, if it may read the response; must run before the response is sent. */
    static void decorate(HttpExchange exchange, CorsSettings cors) {
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        Headers response = exchange.getResponseHeaders();
        response.add("Vary", "Origin");
        if (cors.allows(origin)) {
            allowOrigin(response, origin, cors);
            response.set("Access-Control-Expose-Headers", EXPOSED);
        }
    }

    /** The response header names relay answers itself on a route with CORS; the upstream's are dropped. */
    static boolean isCorsHeader(String name) {
        return name.toLowerCase(Locale.ROOT).startsWith("access-control-");
    }

    /** The origin itself, never "*": a "*" answer would not do for credentials, and Vary: Origin keeps caches right. */
    private static void allowOrigin(Headers response, String origin, CorsSettings cors) {
        response.set("Access-Control-Allow-Origin", origin);
        if (cors.credentials()) {
            response.set("Access-Control-Allow-Credentials", "true");
        }
    }

    /** The asked-for headers, all of them unless the route lists which it allows. */
    private static String allowedHeaders(String asked, CorsSettings cors) {
        if (cors.headers().isEmpty()) {
            return asked;
        }
        List<String> allowed = new ArrayList<>();
        for (String name : asked.split(",")) {
            String trimmed = name.trim().toLowerCase(Locale.ROOT);
            if (cors.headers().get().contains(trimmed)) {
                allowed.add(trimmed);
            }
        }
        return String.join(", ", allowed);
    }
}
