package relay.config;

import java.nio.file.Path;
import java.util.List;

/** The whole configuration, one record per TOML table; {@link ConfigLoader} builds it from a file. */
public record Config(
        Path source,
        ServerSettings server,
        PingSettings ping,
        UpstreamSettings upstream,
        StreamSettings stream,
        DemoSettings demo,
        List<Route> routes) {

    public Config {
        routes = List.copyOf(routes);
    }
}
