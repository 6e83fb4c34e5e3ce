package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestClient.Block;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** Every way a stream ends: what the client receives, the end reason, and that the upstream was closed. */
class StreamEndTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void doneEndsTheStreamAndClosesTheUpstreamEvenIfItStaysOpen() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n");
                    never.await(20, TimeUnit.SECONDS); // an upstream that keeps the body open after [DONE]
                });
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            List<Block> blocks = client.remainingBlocks(); // returns only if the chunked body ended cleanly
            assertEquals(List.of("data: {\"n\":1}\n\n", "data: [DONE]\n\n"), blocks.stream().map(Block::text).toList());
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            never.countDown();
            assertTrue(conn.awaitClosed(WAIT), "upstream connection left open after [DONE]");
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
        }
    }

    @Test
    void cleanEndOfBodyIsEofWithoutErrorEvent() throws Exception {
        String anthropic = "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk(anthropic).end());
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)));
                TestClient client = relay.client().post("/v1/messages", STREAM_REQUEST)) {
            assertEquals(anthropic, client.bodyText());
            assertTrue(relay.awaitLog("reason=eof", WAIT), relay.log());
        }
    }

    @Test
    void fieldsAndCommentsPassThroughByteForByte() throws Exception {
        String stream = "id: 1\nevent: delta\ndata: {\"a\":1}\n\n"
                + ": upstream's own comment\n\n"
                + "retry: 3000\ndata: line one\ndata: line two\n\n"
                + "data: crlf\r\n\r\n"
                + "data: cr only\r\r"
                + "data: [DONE]\n\n";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    // split at awkward places: inside a field, between CR and LF, inside the blank line
                    int[] cuts = {3, 17, 40, 41, 77, 95, 96, 130};
                    int from = 0;
                    for (int cut : cuts) {
                        conn.chunk(stream.substring(from, Math.min(cut, stream.length())));
                        from = Math.min(cut, stream.length());
                    }
                    conn.chunk(stream.substring(from)).end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(stream, client.bodyText());
        }
    }

    @Test
    void silentUpstreamEndsWithIdleTimeoutErrorEvent() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        StreamSettings stream = new StreamSettings(Duration.ofMillis(600), Duration.ofMinutes(1), 1024 * 1024);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"n\":1}\n\n");
                    never.await(20, TimeUnit.SECONDS);
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), Duration.ofMillis(150), stream));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            List<Block> blocks = client.remainingBlocks();
            assertEquals("data: {\"n\":1}\n\n", blocks.get(0).text());
            assertTrue(blocks.stream().anyMatch(Block::isPing), "silence before the timeout was not pinged");
            Block last = blocks.get(blocks.size() - 1);
            assertTrue(last.text().startsWith("data: {\"error\":{"), last.text());
            assertTrue(last.text().contains("\"code\":\"idle_timeout\""), last.text());
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            never.countDown();
            assertTrue(conn.awaitClosed(WAIT));
            assertTrue(relay.awaitLog("reason=idle_timeout", WAIT), relay.log());
        }
    }

    @Test
    void maxDurationEndsTheWholeStreamWithItsReason() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        StreamSettings stream = new StreamSettings(Duration.ofMinutes(1), Duration.ofMillis(700), 1024 * 1024);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    for (int i = 0; never.getCount() > 0 && i < 1000; i++) {
                        conn.chunk("data: {\"n\":" + i + "}\n\n");
                        never.await(50, TimeUnit.MILLISECONDS);
                    }
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), Duration.ofMillis(100), stream));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            long start = System.nanoTime();
            List<Block> blocks = client.remainingBlocks();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            Block last = blocks.get(blocks.size() - 1);
            assertTrue(last.text().contains("\"code\":\"max_duration\""), last.text());
            assertTrue(tookMs < 5000, "max_duration 700 ms took " + tookMs + " ms");
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            assertTrue(conn.awaitClosed(WAIT));
            never.countDown();
            assertTrue(relay.awaitLog("reason=max_duration", WAIT), relay.log());
        }
    }

    @Test
    void upstreamResetMidStreamEndsWithUpstreamErrorEvent() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"n\":1}\n\n");
                    conn.reset();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            List<Block> blocks = client.remainingBlocks();
            assertEquals("data: {\"n\":1}\n\n", blocks.get(0).text());
            assertTrue(blocks.get(1).text().contains("\"code\":\"upstream_error\""), blocks.get(1).text());
            assertTrue(relay.awaitLog("reason=upstream_error", WAIT), relay.log());
            assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT), "upstream left open");
        }
    }

    @Test
    void bodyCutShortWithoutLastChunkIsAnUpstreamError() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"n\":1}\n\n");
                    conn.closeOutput(); // a FIN without the terminating chunk
                });
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            List<Block> blocks = client.remainingBlocks();
            assertTrue(blocks.get(blocks.size() - 1).text().contains("\"code\":\"upstream_error\""));
            assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT), "upstream left open");
        }
    }

    @Test
    void lineOverMaxLineEndsWithLineTooLong() throws Exception {
        StreamSettings stream = new StreamSettings(Duration.ofMinutes(1), Duration.ofMinutes(1), 4096);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: small\n\n");
                    for (int i = 0; i < 100; i++) {
                        conn.chunk("x".repeat(1000)); // one line that never ends
                    }
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), Duration.ofSeconds(5), stream));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            List<Block> blocks = client.remainingBlocks();
            assertEquals("data: small\n\n", blocks.get(0).text());
            assertTrue(blocks.get(1).text().contains("\"code\":\"line_too_long\""), blocks.get(1).text());
            assertTrue(relay.awaitLog("reason=line_too_long", WAIT), relay.log());
            assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT), "the upstream, still sending, was left open");
        }
    }

    @Test
    void anthropicRouteGetsAnthropicErrorEvent() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("event: message_start\ndata: {}\n\n");
                    conn.reset();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)));
                TestClient client = relay.client().post("/v1/messages", STREAM_REQUEST)) {
            List<Block> blocks = client.remainingBlocks();
            String last = blocks.get(blocks.size() - 1).text();
            assertTrue(last.startsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"upstream_error\""), last);
            assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT), "upstream left open");
        }
    }

    @Test
    void pingsDisabledGloballyMeansNoPings() throws Exception {
        PingSettings off = new PingSettings(false, Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofSeconds(1), "PING");
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    conn.thinkFor(Duration.ofMillis(600)); // upstream silence to be left unpinged
                    conn.chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), off, StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals("data: [DONE]\n\n", client.bodyText());
        }
    }

    static void drain(TestClient client) throws IOException {
        client.body().readAllBytes();
    }
}
