package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.Route;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** {@code stream.first_event_timeout} bounds the wait from the request to the first data event, and nothing after it. */
class FirstEventTimeoutTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofMillis(400);
    private static final PingSettings PING = new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofMillis(100), "PING");

    private static StreamSettings stream(Duration firstEvent) {
        StreamSettings d = StreamSettings.DEFAULTS;
        return new StreamSettings(d.idleTimeout(), d.maxDuration(), d.maxLine(), firstEvent);
    }

    /** Pings until the timeout, then one error event naming it; the upstream request is cancelled. */
    private static void expectFirstEventTimeout(TestUpstream upstream, RunningRelay relay) throws Exception {
        long start = System.nanoTime();
        TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
        assertEquals(200, client.status);
        List<TestClient.Block> blocks = client.remainingBlocks();
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        TestClient.Block last = blocks.getLast();
        assertTrue(last.text().contains("\"code\":\"first_event_timeout\""), last.text());
        assertTrue(blocks.subList(0, blocks.size() - 1).stream().allMatch(TestClient.Block::isPing), blocks.toString());
        assertTrue(elapsedMs >= TIMEOUT.toMillis(), "ended after " + elapsedMs + " ms, before the timeout");
        assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT), "upstream request left open");
        assertTrue(relay.awaitLog("reason=first_event_timeout", WAIT), relay.log());
        assertTrue(relay.awaitNoThreads(WAIT));
    }

    @Test
    void anUpstreamThatAnsweredButSendsNoEventEndsWithTheTimeout() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    conn.silentUntilClosed();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, stream(TIMEOUT)))) {
            expectFirstEventTimeout(upstream, relay);
        }
    }

    @Test
    void anUpstreamThatNeverAnswersEndsWithTheTimeoutAfterRelaysCommit() throws Exception {
        try (TestUpstream upstream = new TestUpstream(TestUpstream.Conn::silentUntilClosed);
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, stream(TIMEOUT)))) {
            expectFirstEventTimeout(upstream, relay);
        }
    }

    @Test
    void aLongSilenceAfterTheFirstEventIsNotBoundedByIt() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"n\":1}\n\n");
                    conn.thinkFor(Duration.ofMillis(800)); // twice the first-event timeout
                    conn.chunk("data: {\"n\":2}\n\n").chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, stream(TIMEOUT)))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            List<String> data = client.remainingBlocks().stream().map(TestClient.Block::text)
                    .filter(b -> !b.startsWith(":")).toList();
            assertEquals(List.of("data: {\"n\":1}\n\n", "data: {\"n\":2}\n\n", "data: [DONE]\n\n"), data);
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
        }
    }

    /** The single route of {@code base}, with its own first-event timeout. */
    private static Config withRouteTimeout(Config base, Duration routeTimeout) {
        Route r = base.routes().getFirst();
        Route own = new Route(r.prefix(), r.target(), r.headers(), r.ping(), r.errors(), Optional.of(routeTimeout));
        return new Config(base.source(), base.server(), base.ping(), base.upstream(), base.stream(), base.demo(), List.of(own));
    }

    @Test
    void aRouteSetsItsOwnTimeoutOverTheGlobalOne() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    conn.silentUntilClosed();
                });
                RunningRelay relay = new RunningRelay(withRouteTimeout(
                        TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS), TIMEOUT))) {
            expectFirstEventTimeout(upstream, relay);
        }
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    conn.thinkFor(Duration.ofMillis(800));
                    conn.chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(withRouteTimeout(
                        TestConfigs.with(upstream.uri(), PING, stream(TIMEOUT)), Duration.ZERO))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals("data: [DONE]\n\n", client.remainingBlocks().getLast().text(), "0s on the route turns it off");
        }
    }

    @Test
    void offByDefault() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    conn.thinkFor(Duration.ofMillis(800)); // past what the timeout above would allow
                    conn.chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            List<String> blocks = client.remainingBlocks().stream().map(TestClient.Block::text).toList();
            assertEquals("data: [DONE]\n\n", blocks.getLast());
            assertFalse(String.join("", blocks).contains("first_event_timeout"));
        }
    }
}
