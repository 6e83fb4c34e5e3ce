package relay.config;

import java.util.Map;

/**
 * One {@code [[routes]]} entry: requests whose path starts with {@code prefix} go to {@code target},
 * with {@code headers} set (replacing the client's).
 */
public record Route(String prefix, RouteTarget target, Map<String, String> headers, boolean ping, ErrorFormat errors) {

    public Route {
        headers = Map.copyOf(headers);
    }

    /** Header values usually carry upstream API keys: only their names are printable. */
    @Override
    public String toString() {
        return "Route[prefix=" + prefix + ", target=" + target + ", headers=" + headers.keySet()
                + ", ping=" + ping + ", errors=" + errors + "]";
    }
}
