package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.PingSettings;
import relay.config.RetrySettings;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * A route of several upstreams: before the first data event relay moves to the next upstream on each
 * trigger, and the client sees nothing of it (pings, then the next upstream's events, no error event);
 * after it, never.
 */
class FailoverTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true,\"messages\":[]}";
    private static final String PLAIN_REQUEST = "{\"model\":\"m\",\"messages\":[]}";
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Pings every 100 ms, relay's own 200 after a 300 ms grace. */
    private static final PingSettings PING = new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofMillis(300), "PING");
    private static final List<String> EVENTS = List.of("data: {\"n\":1}\n\n", "data: {\"n\":2}\n\n", "data: [DONE]\n\n");

    private static final TestUpstream.Script ANSWERS = conn -> {
        conn.sseHead("x-request-id: from-b");
        for (String event : EVENTS) {
            conn.chunk(event);
        }
        conn.end();
    };

    private static TestUpstream.Script status(int status, String... headers) {
        return conn -> {
            String body = "{\"error\":{\"message\":\"status " + status + " from the test upstream\"}}";
            List<String> lines = new ArrayList<>(List.of("Content-Type: application/json",
                    "Content-Length: " + body.length()));
            lines.addAll(List.of(headers));
            conn.head(status, lines.toArray(String[]::new)).raw(body);
        };
    }

    private static Config config(RetrySettings retry, StreamSettings stream, URI... upstreams) {
        return TestConfigs.failover(PING, stream, retry, upstreams);
    }

    private static Config config(URI... upstreams) {
        return config(RetrySettings.defaults(upstreams.length), StreamSettings.DEFAULTS, upstreams);
    }

    private static RetrySettings retry(int maxAttempts, Duration retryAfterMax, long maxBody) {
        RetrySettings d = RetrySettings.defaults(maxAttempts);
        return new RetrySettings(d.statuses(), maxAttempts, retryAfterMax, d.cooldown(), maxBody, false);
    }

    /** A port nothing listens on: connecting is refused. */
    private static URI refusing() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }

    /** The data events the client got, and that it got no error event (pings and comments aside). */
    private static void expectSecondUpstreamsEvents(TestClient client) throws Exception {
        assertEquals(200, client.status);
        List<String> data = client.remainingBlocks().stream().map(TestClient.Block::text)
                .filter(b -> !b.startsWith(":")).toList();
        assertEquals(EVENTS, data);
    }

    @Test
    void anUpstreamThatRefusesConnectionsIsSkipped() throws Exception {
        try (TestUpstream b = new TestUpstream(ANSWERS);
                RunningRelay relay = new RunningRelay(config(refusing(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            expectSecondUpstreamsEvents(client);
            assertEquals("Bearer key-2", b.nextConnection(WAIT).header("Authorization"), "b's own key");
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
            assertTrue(relay.log().contains("upstream=u2 attempts=u1:connect_failed:"), relay.log());
        }
    }

    @Test
    void aStatusOfTheRetryListWithinTheGraceIsNeverSeenByTheClient() throws Exception {
        try (TestUpstream a = new TestUpstream(status(429));
                TestUpstream b = new TestUpstream(ANSWERS);
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            expectSecondUpstreamsEvents(client);
            assertEquals("from-b", client.header("x-request-id"), "the headers are the answering upstream's");
            assertEquals(STREAM_REQUEST, a.nextConnection(WAIT).bodyText());
            assertEquals(STREAM_REQUEST, b.nextConnection(WAIT).bodyText(), "the body replayed whole");
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
            assertTrue(relay.log().contains("attempts=u1:429:"), relay.log());
        }
    }

    @Test
    void aResetBeforeTheHeadMovesOn() throws Exception {
        try (TestUpstream a = new TestUpstream(TestUpstream.Conn::reset);
                TestUpstream b = new TestUpstream(ANSWERS);
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            expectSecondUpstreamsEvents(relay.client().post("/v1/chat/completions", STREAM_REQUEST));
            assertTrue(relay.awaitLog("attempts=u1:reset:", WAIT), relay.log());
        }
    }

    @Test
    void aLateRetryStatusAfterRelaysCommitIsInvisibleBehindPings() throws Exception {
        try (TestUpstream a = new TestUpstream(conn -> {
                    conn.thinkFor(Duration.ofMillis(700)); // past the grace: relay has committed and pings
                    status(503).run(conn);
                });
                TestUpstream b = new TestUpstream(ANSWERS);
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals(200, client.status);
            List<TestClient.Block> blocks = client.remainingBlocks();
            assertTrue(blocks.getFirst().isPing(), "relay pinged while the first upstream thought: " + blocks);
            assertEquals(EVENTS, blocks.stream().map(TestClient.Block::text).filter(t -> !t.startsWith(":")).toList());
            assertTrue(relay.awaitLog("attempts=u1:503:", WAIT), relay.log());
        }
    }

    @Test
    void anUpstreamSilentPastTheFirstEventTimeoutIsGivenUp() throws Exception {
        StreamSettings d = StreamSettings.DEFAULTS;
        StreamSettings firstEvent = new StreamSettings(d.idleTimeout(), d.maxDuration(), d.maxLine(), Duration.ofMillis(500));
        try (TestUpstream a = new TestUpstream(conn -> {
                    conn.sseHead().chunk(": still thinking\n\n"); // a comment is not a data event
                    conn.silentUntilClosed();
                });
                TestUpstream b = new TestUpstream(ANSWERS);
                RunningRelay relay = new RunningRelay(config(RetrySettings.defaults(2), firstEvent, a.uri(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            expectSecondUpstreamsEvents(client);
            assertTrue(a.nextConnection(WAIT).awaitClosed(WAIT), "the silent upstream's request is cancelled");
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
            assertTrue(relay.log().contains("attempts=u1:200 then first_event_timeout:"), relay.log());
        }
    }

    @Test
    void aStreamCutBeforeItsFirstDataEventMovesOn() throws Exception {
        try (TestUpstream a = new TestUpstream(conn -> {
                    conn.sseHead().chunk(": processing\n\n");
                    conn.reset();
                });
                TestUpstream b = new TestUpstream(ANSWERS);
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            expectSecondUpstreamsEvents(relay.client().post("/v1/chat/completions", STREAM_REQUEST));
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
        }
    }

    @Test
    void afterTheFirstDataEventThereIsNoFailover() throws Exception {
        try (TestUpstream a = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"n\":1}\n\n");
                    conn.reset();
                });
                TestUpstream b = new TestUpstream(ANSWERS);
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            List<TestClient.Block> blocks = client.remainingBlocks();
            assertEquals("data: {\"n\":1}\n\n", blocks.getFirst().text());
            assertTrue(blocks.getLast().text().contains("\"error\""), "today's error event: " + blocks);
            assertTrue(relay.awaitLog("reason=upstream_error", WAIT), relay.log());
            assertEquals(0, b.accepted(), "the second upstream was never asked");
        }
    }

    @Test
    void retryAfterWithinTheCapIsWaitedFor() throws Exception {
        try (TestUpstream a = new TestUpstream(new TestUpstream.Script() {
                    private int calls;

                    @Override
                    public synchronized void run(TestUpstream.Conn conn) throws Exception {
                        if (calls++ == 0) {
                            status(429, "Retry-After: 1").run(conn);
                        } else {
                            ANSWERS.run(conn);
                        }
                    }
                });
                RunningRelay relay = new RunningRelay(config(retry(2, Duration.ofSeconds(5), 1 << 20),
                        StreamSettings.DEFAULTS, a.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            expectSecondUpstreamsEvents(client);
            TestUpstream.Conn first = a.nextConnection(WAIT);
            TestUpstream.Conn second = a.nextConnection(WAIT);
            assertTrue(first.awaitClosed(WAIT));
            long gapMs = (second.acceptedNanos() - first.closedNanos()) / 1_000_000;
            assertTrue(gapMs >= 900, "the second attempt came " + gapMs + " ms after the 429 asked for 1 s");
        }
    }

    @Test
    void retryAfterBeyondTheCapGivesTheClientTheUpstreamsAnswer() throws Exception {
        try (TestUpstream a = new TestUpstream(status(429, "Retry-After: 30"));
                RunningRelay relay = new RunningRelay(config(retry(2, Duration.ofSeconds(2), 1 << 20),
                        StreamSettings.DEFAULTS, a.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals(429, client.status);
            assertTrue(client.bodyText().contains("status 429 from the test upstream"));
            assertEquals("30", client.header("Retry-After"));
            assertEquals(1, a.accepted());
            assertTrue(relay.awaitLog("not_retried=\"Retry-After beyond", WAIT), relay.log());
        }
    }

    @Test
    void whenEveryAttemptFailsBeforeTheCommitTheClientGetsTheLastRealAnswer() throws Exception {
        try (TestUpstream a = new TestUpstream(status(429));
                TestUpstream b = new TestUpstream(status(503));
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals(503, client.status);
            assertTrue(client.bodyText().contains("status 503 from the test upstream"));
            assertTrue(relay.awaitLog("attempts=u1:429:", WAIT), relay.log());
            assertTrue(relay.log().contains(",u2:503:"), relay.log());
        }
    }

    @Test
    void whenEveryAttemptFailsAfterTheCommitOneErrorEventNamesThem() throws Exception {
        TestUpstream.Script slowFailure = conn -> {
            conn.thinkFor(Duration.ofMillis(500));
            status(503).run(conn);
        };
        try (TestUpstream a = new TestUpstream(slowFailure);
                TestUpstream b = new TestUpstream(slowFailure);
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals(200, client.status);
            List<TestClient.Block> blocks = client.remainingBlocks();
            List<TestClient.Block> events = blocks.stream().filter(block -> !block.isPing()).toList();
            assertEquals(1, events.size(), blocks.toString());
            String error = events.getFirst().text();
            assertTrue(error.contains("after 2 attempts (u1: 503, u2: 503)"), error);
            assertFalse(error.contains("key-1") || error.contains("key-2"), "no upstream key in the message");
        }
    }

    @Test
    void aBodyOverRetryMaxBodyIsSentOnce() throws Exception {
        String large = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(4096) + "\"}]}";
        try (TestUpstream a = new TestUpstream(status(429));
                TestUpstream b = new TestUpstream(ANSWERS);
                RunningRelay relay = new RunningRelay(config(retry(2, Duration.ofSeconds(5), 1024),
                        StreamSettings.DEFAULTS, a.uri(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", large);
            assertEquals(429, client.status, "the first upstream's answer: the body could not be sent again");
            assertEquals(large, a.nextConnection(WAIT).bodyText());
            assertEquals(0, b.accepted());
            assertTrue(relay.awaitLog("not_retried=\"request body over retry.max_body", WAIT), relay.log());
        }
    }

    @Test
    void aNonStreamRequestIsNotRetriedAfterItWasSent() throws Exception {
        try (TestUpstream a = new TestUpstream(TestUpstream.Conn::reset);
                TestUpstream b = new TestUpstream(status(200));
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", PLAIN_REQUEST);
            assertEquals(502, client.status, "the upstream may have started the work: not repeated");
            assertEquals(0, b.accepted());
        }
    }

    @Test
    void aNonStreamRequestIsRetriedWhenTheUpstreamDeclinedIt() throws Exception {
        try (TestUpstream a = new TestUpstream(status(429));
                TestUpstream b = new TestUpstream(status(200));
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            TestClient client = relay.client().post("/v1/chat/completions", PLAIN_REQUEST);
            assertEquals(200, client.status);
            assertEquals(PLAIN_REQUEST, b.nextConnection(WAIT).bodyText());
        }
    }

    @Test
    void aNonStreamRequestIsNotRetriedOnAServerErrorItMayHaveCaused() throws Exception {
        try (TestUpstream a = new TestUpstream(status(500));
                TestUpstream b = new TestUpstream(status(200));
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            assertEquals(500, relay.client().post("/v1/chat/completions", PLAIN_REQUEST).status);
            assertEquals(0, b.accepted());
        }
    }

    @Test
    void aFailedUpstreamCoolsDownAndTheNextRequestStartsElsewhere() throws Exception {
        try (TestUpstream a = new TestUpstream(status(503));
                TestUpstream b = new TestUpstream(ANSWERS);
                RunningRelay relay = new RunningRelay(config(a.uri(), b.uri()))) {
            expectSecondUpstreamsEvents(relay.client().post("/v1/chat/completions", STREAM_REQUEST));
            expectSecondUpstreamsEvents(relay.client().post("/v1/chat/completions", STREAM_REQUEST));
            assertEquals(1, a.accepted(), "the second request skipped the upstream that cools down");
            assertEquals(2, b.accepted());
            assertTrue(relay.awaitLog("upstream=u2 ", WAIT));
            String metrics = relay.client().request("GET", "/metrics", null).bodyText();
            assertTrue(metrics.contains("relay_upstream_up{route=\"/v1\",upstream=\"u1\"} 0.0"), metrics);
            assertTrue(metrics.contains("relay_upstream_up{route=\"/v1\",upstream=\"u2\"} 1.0"), metrics);
            assertTrue(metrics.contains(
                    "relay_upstream_failovers_total{route=\"/v1\",upstream=\"u1\"} 1.0"), metrics);
            assertTrue(metrics.contains(
                    "relay_upstream_attempts_total{outcome=\"answered\",route=\"/v1\",upstream=\"u2\"} 2.0"), metrics);
        }
    }
}
