package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.ErrorFormat;
import relay.config.PingSettings;
import relay.config.RetrySettings;
import relay.config.Route;
import relay.config.RouteTarget;
import relay.config.RouteTiming;
import relay.config.RouteUpstream;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** A route's own ping_interval, header_grace and idle_timeout replace the global ones for that route only. */
class RouteTimingTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Globally: pings every 30 s after a 30 s grace, so only a route's own values can make one appear. */
    private static final PingSettings SLOW = new PingSettings(true, Duration.ofSeconds(30), Duration.ofSeconds(2),
            Duration.ofSeconds(30), "PING");

    private static Config config(TestUpstream upstream, RouteTiming fast) {
        Config base = TestConfigs.with(upstream.uri(), SLOW, StreamSettings.DEFAULTS);
        List<RouteUpstream> one = List.of(new RouteUpstream("u", new RouteTarget.Http(upstream.uri()), Map.of()));
        Route own = new Route("/fast", one, Map.of(), true, ErrorFormat.AUTO, Optional.empty(), RetrySettings.defaults(1),
                fast);
        return new Config(base.source(), base.server(), base.ping(), base.upstream(), base.stream(), base.demo(),
                List.of(base.routes().getFirst(), own));
    }

    @Test
    void aRoutesOwnGraceAndIntervalPingItsSilentStreamAndItsIdleTimeoutEndsIt() throws Exception {
        RouteTiming fast = new RouteTiming(Optional.of(Duration.ofMillis(100)), Optional.of(Duration.ZERO),
                Optional.of(Duration.ofMillis(700)), Optional.empty());
        try (TestUpstream upstream = new TestUpstream(TestUpstream.Conn::silentUntilClosed);
                RunningRelay relay = new RunningRelay(config(upstream, fast))) {
            TestClient client = relay.client().post("/fast/chat/completions", STREAM_REQUEST);
            assertEquals(200, client.status, "header_grace 0: relay committed at once");
            List<TestClient.Block> blocks = client.remainingBlocks();
            long pings = blocks.stream().filter(TestClient.Block::isPing).count();
            assertTrue(pings >= 3, "pinged every 100 ms until the 700 ms idle timeout: " + blocks);
            assertTrue(blocks.getLast().text().contains("\"code\":\"idle_timeout\""), blocks.toString());
            assertTrue(blocks.getLast().text().contains("700ms"), blocks.getLast().text());
            assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT), "the upstream request is cancelled");
            assertTrue(relay.awaitLog("reason=idle_timeout", WAIT), relay.log());
        }
    }

    @Test
    void otherRoutesKeepTheGlobalTiming() throws Exception {
        RouteTiming fast = new RouteTiming(Optional.of(Duration.ofMillis(100)), Optional.of(Duration.ZERO),
                Optional.empty(), Optional.empty());
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.thinkFor(Duration.ofMillis(600));
                    conn.sseHead().chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(config(upstream, fast))) {
            TestClient global = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertTrue(global.remainingBlocks().stream().noneMatch(TestClient.Block::isPing),
                    "the /v1 route waits for the upstream's head within its 30 s grace and is not pinged");
            TestClient own = relay.client().post("/fast/chat/completions", STREAM_REQUEST);
            assertTrue(own.remainingBlocks().getFirst().isPing(), "the /fast route pinged while the upstream thought");
        }
    }
}
