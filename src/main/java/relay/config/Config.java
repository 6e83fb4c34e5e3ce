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
        List<Route> routes,
        LogSettings log) {

    public Config {
        routes = List.copyOf(routes);
    }

    /** A config with the default access log (tests and tools that build configs without a file). */
    public Config(Path source, ServerSettings server, PingSettings ping, UpstreamSettings upstream,
            StreamSettings stream, DemoSettings demo, List<Route> routes) {
        this(source, server, ping, upstream, stream, demo, routes, LogSettings.DEFAULTS);
    }
}
