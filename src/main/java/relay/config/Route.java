package relay.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code [[routes]]} entry: requests whose path starts with {@code prefix} go to the first of
 * {@code upstreams} that answers (in order, as {@code retry} allows), with {@code headers} set
 * (replacing the client's; an upstream's own headers replace the route's). {@code match} narrows
 * the requests it takes (by model) and may strip the prefix from the upstream path;
 * {@code keepaliveJson} keeps a slow non-stream JSON call alive with spaces; {@code cors} is the
 * route's own answer to browsers on other origins.
 */
public record Route(String prefix, List<RouteUpstream> upstreams, Map<String, String> headers, boolean ping,
        ErrorFormat errors, Optional<Duration> firstEventTimeout, RetrySettings retry, RouteTiming timing,
        RouteMatch match, boolean keepaliveJson, CorsSettings cors) {

    public Route {
        upstreams = List.copyOf(upstreams);
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("a route needs an upstream");
        }
        headers = Map.copyOf(headers);
    }

    /** A route that takes every request under its prefix, with its whole path. */
    public Route(String prefix, List<RouteUpstream> upstreams, Map<String, String> headers, boolean ping,
            ErrorFormat errors, Optional<Duration> firstEventTimeout, RetrySettings retry, RouteTiming timing) {
        this(prefix, upstreams, headers, ping, errors, firstEventTimeout, retry, timing, RouteMatch.ANY, false);
    }

    /** A route without CORS of its own. */
    public Route(String prefix, List<RouteUpstream> upstreams, Map<String, String> headers, boolean ping,
            ErrorFormat errors, Optional<Duration> firstEventTimeout, RetrySettings retry, RouteTiming timing,
            RouteMatch match, boolean keepaliveJson) {
        this(prefix, upstreams, headers, ping, errors, firstEventTimeout, retry, timing, match, keepaliveJson,
                CorsSettings.NONE);
    }

    /** A route with the global timing. */
    public Route(String prefix, List<RouteUpstream> upstreams, Map<String, String> headers, boolean ping,
            ErrorFormat errors, Optional<Duration> firstEventTimeout, RetrySettings retry) {
        this(prefix, upstreams, headers, ping, errors, firstEventTimeout, retry, RouteTiming.GLOBAL);
    }

    /** A route of one upstream, with {@code stream.first_event_timeout} from {@code [stream]}. */
    public Route(String prefix, RouteTarget target, Map<String, String> headers, boolean ping, ErrorFormat errors) {
        this(prefix, target, headers, ping, errors, Optional.empty());
    }

    /** A route of one upstream. */
    public Route(String prefix, RouteTarget target, Map<String, String> headers, boolean ping, ErrorFormat errors,
            Optional<Duration> firstEventTimeout) {
        this(prefix, List.of(new RouteUpstream(RouteUpstream.defaultName(target), target, Map.of())), headers, ping,
                errors, firstEventTimeout, RetrySettings.defaults(1));
    }

    /** The first upstream's target: the only one of a route with one upstream. */
    public RouteTarget target() {
        return upstreams.get(0).target();
    }

    /** The headers sent to {@code upstream}: the route's, with the upstream's own replacing those of the same name. */
    public Map<String, String> headersFor(RouteUpstream upstream) {
        if (upstream.headers().isEmpty()) {
            return headers;
        }
        Map<String, String> merged = new java.util.LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (upstream.headers().keySet().stream().noneMatch(name::equalsIgnoreCase)) {
                merged.put(name, value);
            }
        });
        merged.putAll(upstream.headers());
        return merged;
    }

    /** This route pings: pings are on ({@code ping.enabled}) and the route does not turn them off. */
    public boolean pings(PingSettings ping) {
        return ping.enabled() && this.ping;
    }

    /** This route's ping interval: its own, or {@code ping.interval}. */
    public Duration pingInterval(PingSettings ping) {
        return timing.pingInterval().orElse(ping.interval());
    }

    /** This route's header grace: its own, or {@code ping.header_grace}. */
    public Duration headerGrace(PingSettings ping) {
        return timing.headerGrace().orElse(ping.headerGrace());
    }

    /** This route's idle timeout: its own, or {@code stream.idle_timeout}. */
    public Duration idleTimeout(StreamSettings stream) {
        return timing.idleTimeout().orElse(stream.idleTimeout());
    }

    /** This route's whole-stream deadline: its own, or {@code stream.max_duration}. */
    public Duration maxDuration(StreamSettings stream) {
        return timing.maxDuration().orElse(stream.maxDuration());
    }

    /** This route's first-event timeout: its own, or {@code [stream]}'s; zero is off. */
    public Duration firstEventTimeout(StreamSettings stream) {
        return firstEventTimeout.orElse(stream.firstEventTimeout());
    }

    /** Header values usually carry upstream API keys: only their names are printable. */
    @Override
    public String toString() {
        return "Route[prefix=" + prefix + ", upstreams=" + upstreams + ", headers=" + headers.keySet()
                + ", ping=" + ping + ", errors=" + errors + ", firstEventTimeout=" + firstEventTimeout
                + ", retry=" + retry + ", timing=" + timing + ", match=" + match + ", keepaliveJson=" + keepaliveJson + ", cors=" + cors + "]";
    }
}
