package relay.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code [[routes]]} entry: requests whose path starts with {@code prefix} go to {@code target},
 * with {@code headers} set (replacing the client's).
 */
public record Route(String prefix, RouteTarget target, Map<String, String> headers, boolean ping, ErrorFormat errors,
        Optional<Duration> firstEventTimeout) {

    public Route {
        headers = Map.copyOf(headers);
    }

    /** A route that takes {@code stream.first_event_timeout} from {@code [stream]}. */
    public Route(String prefix, RouteTarget target, Map<String, String> headers, boolean ping, ErrorFormat errors) {
        this(prefix, target, headers, ping, errors, Optional.empty());
    }

    /** This route's first-event timeout: its own, or {@code [stream]}'s; zero is off. */
    public Duration firstEventTimeout(StreamSettings stream) {
        return firstEventTimeout.orElse(stream.firstEventTimeout());
    }

    /** Header values usually carry upstream API keys: only their names are printable. */
    @Override
    public String toString() {
        return "Route[prefix=" + prefix + ", target=" + target + ", headers=" + headers.keySet()
                + ", ping=" + ping + ", errors=" + errors + ", firstEventTimeout=" + firstEventTimeout + "]";
    }
}
