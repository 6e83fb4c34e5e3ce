package relay.testing;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import relay.config.Config;
import relay.config.DemoSettings;
import relay.config.ErrorFormat;
import relay.config.PingSettings;
import relay.config.RetrySettings;
import relay.config.Route;
import relay.config.RouteUpstream;
import relay.config.RouteTarget;
import relay.config.ServerSettings;
import relay.config.StreamSettings;
import relay.config.UpstreamSettings;

/** Configs for tests: an ephemeral loopback port and short intervals, built without a file. */
public final class TestConfigs {
    private TestConfigs() {
    }

    public static Config forUpstream(URI upstream, Duration pingInterval) {
        return with(upstream, pingInterval, StreamSettings.DEFAULTS);
    }

    public static Config with(URI upstream, Duration pingInterval, StreamSettings stream) {
        return with(upstream, new PingSettings(true, pingInterval, Duration.ofSeconds(2), Duration.ofSeconds(1), "PING"),
                stream);
    }

    /**
     * One route "/v1" of several upstreams tried in order, named u1, u2, …, each sending its own
     * {@code Authorization: Bearer key-<n>}.
     */
    public static Config failover(PingSettings ping, StreamSettings stream, RetrySettings retry, URI... upstreams) {
        List<RouteUpstream> list = new java.util.ArrayList<>();
        for (int i = 0; i < upstreams.length; i++) {
            list.add(new RouteUpstream("u" + (i + 1), new RouteTarget.Http(upstreams[i]),
                    Map.of("Authorization", "Bearer key-" + (i + 1))));
        }
        Config base = with(upstreams[0], ping, stream);
        Route route = new Route("/v1", list, Map.of(), true, ErrorFormat.AUTO, java.util.Optional.empty(), retry);
        return new Config(base.source(), base.server(), base.ping(), base.upstream(), base.stream(), base.demo(),
                List.of(route));
    }

    public static Config with(URI upstream, PingSettings ping, StreamSettings stream) {
        Route route = new Route("/v1", new RouteTarget.Http(upstream), Map.of(), true, ErrorFormat.AUTO);
        return new Config(Path.of("test.toml"),
                new ServerSettings(new InetSocketAddress("127.0.0.1", 0), 1000, 1024 * 1024, Duration.ofSeconds(1), List.of(), Duration.ofSeconds(60), 100, 64 * 1024),
                ping, UpstreamSettings.DEFAULTS, stream, DemoSettings.DEFAULTS, List.of(route));
    }
}
