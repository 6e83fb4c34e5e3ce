package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestClient.Block;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** What a client of a stream sees: every upstream event at once, and pings only while it is silent. */
class HeartbeatTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";

    @Test
    void silentUpstreamGetsOnePingPerInterval() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    release.await(10, TimeUnit.SECONDS);
                    conn.chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofMillis(100)));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(200, client.status);
            assertEquals("text/event-stream", client.header("content-type"));
            assertEquals("no-cache", client.header("cache-control"));
            int pings = 0;
            long previous = System.nanoTime();
            long maxGap = 0;
            while (pings < 8) {
                Block block = client.nextBlock();
                assertEquals(": PING\n\n", block.text());
                maxGap = Math.max(maxGap, block.nanos() - previous);
                previous = block.nanos();
                pings++;
            }
            release.countDown();
            // the exact cadence (one ping per interval, counted from the last write) is proven on a test
            // clock in StreamSessionTest; on the wire, on a loaded machine, only a stall can be told apart
            assertTrue(maxGap / 1_000_000 < 1500, "silence between pings: " + maxGap / 1_000_000 + " ms");
            List<Block> rest = client.remainingBlocks();
            assertEquals("data: {\"n\":1}\n\n", rest.get(rest.size() - 2).text());
            assertEquals("data: [DONE]\n\n", rest.get(rest.size() - 1).text());
        }
    }

    @Test
    void busyUpstreamGetsNoPings() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    for (int i = 0; i < 40; i++) {
                        conn.chunk("data: {\"n\":" + i + "}\n\n");
                        conn.thinkFor(java.time.Duration.ofMillis(20)); // the upstream's pace: an event every 20 ms, far inside the 3 s interval
                    }
                    conn.chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(3)));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            List<Block> blocks = client.remainingBlocks();
            assertEquals(41, blocks.size());
            assertTrue(blocks.stream().noneMatch(Block::isPing), "a busy stream was pinged");
        }
    }

    @Test
    void eventsArriveAsSoonAsTheUpstreamFlushesThem() throws Exception {
        int events = 20;
        long[] sentAt = new long[events];
        CountDownLatch[] received = new CountDownLatch[events];
        for (int i = 0; i < events; i++) {
            received[i] = new CountDownLatch(1);
        }
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    for (int i = 0; i < events; i++) {
                        sentAt[i] = System.nanoTime();
                        conn.chunk("data: {\"seq\":" + i + ",\"pad\":\"" + "x".repeat(100) + "\"}\n\n");
                        // lock-step: the next event only after the client has this one, so nothing can be batched
                        if (!received[i].await(10, TimeUnit.SECONDS)) {
                            throw new AssertionError("the client never got event " + i);
                        }
                    }
                    conn.chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(10)));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            long worst = 0;
            for (int i = 0; i < events; i++) {
                Block block = client.nextBlock();
                assertTrue(block.text().startsWith("data: {\"seq\":" + i + ","), block.text());
                worst = Math.max(worst, block.nanos() - sentAt[i]);
                received[i].countDown();
            }
            // a relay that buffered would hold each event until the next one (never, in lock-step)
            assertTrue(worst < TimeUnit.MILLISECONDS.toNanos(3000), "worst per-event delay " + worst / 1_000_000 + " ms");
            assertEquals("data: [DONE]\n\n", client.nextBlock().text());
        }
    }

    @Test
    void pingsStartCountingFromTheLastEventNotFromAFixedTick() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    conn.chunk("data: first\n\n");
                    release.await(10, TimeUnit.SECONDS);
                    conn.chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofMillis(200)));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            Block first = client.nextBlock();
            assertEquals("data: first\n\n", first.text());
            Block ping = client.nextBlock();
            release.countDown();
            assertEquals(": PING\n\n", ping.text());
            // the deadline arithmetic itself is proven on a test clock (StreamSessionTest); here: the
            // first ping follows the event, within a bound no loaded machine misses
            long silenceMs = (ping.nanos() - first.nanos()) / 1_000_000;
            assertTrue(silenceMs < 3000, "ping came " + silenceMs + " ms after the event");
        }
    }
}
