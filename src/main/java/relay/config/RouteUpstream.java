package relay.config;

import java.util.Map;

/**
 * One upstream a route may send a request to: its target, a name for logs and metrics, and headers
 * of its own (an API key per upstream), which replace the route's headers of the same name.
 */
public record RouteUpstream(String name, RouteTarget target, Map<String, String> headers) {

    public RouteUpstream {
        headers = Map.copyOf(headers);
    }

    /** The name an upstream gets when the config gives it none: its host and port, or "demo". */
    public static String defaultName(RouteTarget target) {
        return switch (target) {
            case RouteTarget.Http http -> http.base().getRawAuthority();
            case RouteTarget.Demo demo -> "demo";
        };
    }

    /** Header values usually carry upstream API keys: only their names are printable. */
    @Override
    public String toString() {
        return "RouteUpstream[name=" + name + ", target=" + target + ", headers=" + headers.keySet() + "]";
    }
}
