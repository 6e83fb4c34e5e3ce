package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestClient.Block;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * When a client gets the upstream's real status and when relay commits its own 200 and pings before
 * the upstream has answered (ping.header_grace), and how late failures reach the client.
 */
class CommitPolicyTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PING = ": PING\n\n";

    private static PingSettings ping(Duration interval, Duration grace) {
        return new PingSettings(true, interval, Duration.ofSeconds(2), grace, "PING");
    }

    /**
     * An upstream that answers {@code script} only once the client has seen {@code clientReady} (relay's
     * 200, or its first ping): the order the test proves, whatever the machine's load does to timing.
     * {@code answeredLate} tells whether the upstream really waited for the client.
     */
    private static TestUpstream answeringAfter(CountDownLatch clientReady, AtomicBoolean answeredLate,
            TestUpstream.Script script) throws java.io.IOException {
        return new TestUpstream(conn -> {
            answeredLate.set(clientReady.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            script.run(conn);
        });
    }

    @Test
    void slowUpstreamHeadersGetAnEarly200AndPingsThenEveryEvent() throws Exception {
        Duration grace = Duration.ofMillis(100);
        CountDownLatch clientHasPing = new CountDownLatch(1);
        AtomicBoolean answeredAfterThePing = new AtomicBoolean();
        try (TestUpstream upstream = answeringAfter(clientHasPing, answeredAfterThePing, conn ->
                        conn.sseHead("x-request-id: req-42").chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end());
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), ping(Duration.ofMillis(150), grace),
                        StreamSettings.DEFAULTS))) {
            long start = System.nanoTime();
            try (TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
                long headersMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(200, client.status);
                assertEquals("text/event-stream", client.header("content-type"));
                // a lower bound only: load can delay the commit, never bring it forward
                assertTrue(headersMs >= grace.toMillis() - 10, "committed after " + headersMs + " ms, inside the grace");
                Block first = client.nextBlock();
                assertEquals(PING, first.text(), "first bytes should be a ping");
                clientHasPing.countDown();
                List<Block> blocks = client.remainingBlocks();
                // (the header comment is an SSE comment too, so compare with the ping itself, not isPing)
                List<String> texts = blocks.stream().map(Block::text).filter(text -> !text.equals(PING)).toList();
                assertEquals(List.of(": upstream x-request-id=req-42\n\n", "data: {\"n\":1}\n\n", "data: [DONE]\n\n"), texts,
                        "late upstream headers as a comment, then every event, in order");
            }
            assertTrue(answeredAfterThePing.get(), "the upstream answered before the client had its ping");
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            assertEquals("identity", conn.header("accept-encoding"), "stream requests must ask for an uncompressed body");
        }
    }

    @Test
    void fastUpstreamErrorKeepsItsRealStatusBodyAndHeaders() throws Exception {
        String body = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(429, "Content-Type: application/json",
                        "Retry-After: 7", "Content-Length: " + body.length()).raw(body));
                // a grace far beyond what an immediate answer can take, even on a loaded machine
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofMillis(100), Duration.ofSeconds(10)), StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(429, client.status);
            assertEquals("7", client.header("retry-after"));
            assertEquals("application/json", client.header("content-type"));
            assertEquals(body, client.bodyText());
        }
    }

    @Test
    void upstreamErrorAfterCommitBecomesAnOpenAiErrorEvent() throws Exception {
        String body = "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}";
        CountDownLatch clientHas200 = new CountDownLatch(1);
        AtomicBoolean answeredAfterCommit = new AtomicBoolean();
        // the 500 comes only once relay has committed its 200 (after the 100 ms grace)
        try (TestUpstream upstream = answeringAfter(clientHas200, answeredAfterCommit, conn ->
                        conn.head(500, "Content-Type: application/json", "Content-Length: " + body.length()).raw(body));
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofMillis(100), Duration.ofMillis(100)), StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(200, client.status);
            clientHas200.countDown();
            List<Block> blocks = client.remainingBlocks();
            assertTrue(answeredAfterCommit.get(), "the upstream answered before relay committed");
            Block last = blocks.get(blocks.size() - 1);
            assertTrue(last.text().startsWith("data: "), last.text());
            JsonNode error = JSON.readTree(last.text().substring("data: ".length())).path("error");
            assertEquals("upstream_error", error.path("code").asText());
            assertTrue(error.path("message").asText().contains("500"), error.toString());
            assertTrue(error.path("message").asText().contains("The server had an error"), error.toString());
            assertTrue(relay.awaitLog("reason=upstream_error", WAIT), relay.log());
        }
    }

    @Test
    void anthropicUpstreamFailingLateGetsAnEventError() throws Exception {
        CountDownLatch clientHas200 = new CountDownLatch(1);
        AtomicBoolean answeredAfterCommit = new AtomicBoolean();
        try (TestUpstream upstream = answeringAfter(clientHas200, answeredAfterCommit, conn ->
                        conn.head(529, "Content-Type: application/json", "Content-Length: 2").raw("{}"));
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofMillis(100), Duration.ofMillis(100)), StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/messages", STREAM_REQUEST)) {
            assertEquals(200, client.status);
            clientHas200.countDown();
            List<Block> blocks = client.remainingBlocks();
            assertTrue(answeredAfterCommit.get(), "the upstream answered before relay committed");
            String last = blocks.get(blocks.size() - 1).text();
            assertTrue(last.startsWith("event: error\ndata: "), last);
            JsonNode root = JSON.readTree(last.substring("event: error\ndata: ".length()));
            assertEquals("error", root.path("type").asText());
            assertEquals("upstream_error", root.path("error").path("type").asText());
            assertTrue(root.path("error").path("message").asText().contains("529"));
        }
    }

    @Test
    void headerGraceZeroCommitsAtOnce() throws Exception {
        CountDownLatch headersSeen = new CountDownLatch(1);
        AtomicBoolean answeredAfterCommit = new AtomicBoolean();
        // the upstream answers only after the client has relay's 200: a relay that waited for the upstream's
        // headers would leave the client without a status until this upstream gave up waiting
        try (TestUpstream upstream = answeringAfter(headersSeen, answeredAfterCommit, conn ->
                        conn.sseHead().chunk("data: [DONE]\n\n").end());
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofSeconds(5), Duration.ZERO), StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(200, client.status);
            headersSeen.countDown();
            assertEquals("data: [DONE]\n\n", client.bodyText());
            assertTrue(answeredAfterCommit.get(), "relay sent its 200 only after the upstream had answered");
        }
    }

    @Test
    void upstreamSilentBeforeHeadersEndsWithIdleTimeoutEvent() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        // 1.5 s of silence at a 100 ms interval: about 14 pings, so "at least 3" holds however loaded the machine
        StreamSettings stream = new StreamSettings(Duration.ofMillis(1500), Duration.ofMinutes(1), 1 << 20);
        try (TestUpstream upstream = new TestUpstream(conn -> never.await(20, TimeUnit.SECONDS));
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofMillis(100), Duration.ofMillis(100)), stream));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(200, client.status);
            List<Block> blocks = client.remainingBlocks();
            assertTrue(blocks.stream().filter(Block::isPing).count() >= 3, "pings while waiting for headers: " + blocks);
            assertTrue(blocks.subList(0, blocks.size() - 1).stream().allMatch(Block::isPing), "only pings before the error");
            assertTrue(blocks.get(blocks.size() - 1).text().contains("\"code\":\"idle_timeout\""), blocks.toString());
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            never.countDown(); // the script returns; the connection then waits for relay to close it
            assertTrue(conn.awaitClosed(WAIT));
        }
    }

    @Test
    void nonStreamRequestWaitsForTheRealAnswerWithoutPings() throws Exception {
        String body = "{\"id\":\"x\",\"object\":\"chat.completion\"}";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.thinkFor(java.time.Duration.ofMillis(400)); // longer than the grace: a non-stream request must still get the real status
                    conn.head(201, "Content-Type: application/json", "Content-Length: " + body.length()).raw(body);
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofMillis(100), Duration.ofMillis(100)), StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", "{\"model\":\"m\",\"stream\":false}")) {
            assertEquals(201, client.status);
            assertEquals(body, client.bodyText());
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            assertNull(conn.header("accept-encoding"));
        }
    }

    @Test
    void acceptEventStreamAloneMakesAStreamRequest() throws Exception {
        CountDownLatch clientHasPing = new CountDownLatch(1);
        AtomicBoolean answeredAfterThePing = new AtomicBoolean();
        try (TestUpstream upstream = answeringAfter(clientHasPing, answeredAfterThePing, conn ->
                        conn.sseHead().chunk("data: [DONE]\n\n").end());
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofMillis(100), Duration.ofMillis(100)), StreamSettings.DEFAULTS));
                TestClient client = relay.client().request("GET", "/v1/events", null, "Accept: text/event-stream")) {
            assertEquals(200, client.status);
            assertTrue(client.nextBlock().isPing(), "a GET with Accept: text/event-stream should be pinged early");
            clientHasPing.countDown();
            List<Block> rest = client.remainingBlocks();
            assertEquals("data: [DONE]\n\n", rest.get(rest.size() - 1).text());
            assertTrue(answeredAfterThePing.get(), "the upstream answered before the client had its ping");
        }
    }
}
