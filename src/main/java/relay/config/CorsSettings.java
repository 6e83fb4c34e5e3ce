package relay.config;

import java.util.List;
import java.util.Optional;

/**
 * A route's own CORS answer, for browser pages on other origins: {@code origins} allowed (exact
 * {@code scheme://host[:port]}, or {@code "*"} for any), the request headers a preflight may ask
 * for ({@code headers}; empty: whatever it asks for), and whether credentials (cookies, HTTP auth)
 * may come along. With origins set, relay answers preflights itself and puts its own
 * {@code Access-Control-*} headers on every response of the route, its early commits included,
 * replacing the upstream's.
 */
public record CorsSettings(List<String> origins, Optional<List<String>> headers, boolean credentials) {
    public static final CorsSettings NONE = new CorsSettings(List.of(), Optional.empty(), false);

    public CorsSettings {
        origins = List.copyOf(origins);
        headers = headers.map(List::copyOf);
    }

    public boolean enabled() {
        return !origins.isEmpty();
    }

    /** {@code origin} (the request's {@code Origin} header) may read this route's responses. */
    public boolean allows(String origin) {
        return origin != null && (origins.contains("*") || origins.contains(origin));
    }
}
