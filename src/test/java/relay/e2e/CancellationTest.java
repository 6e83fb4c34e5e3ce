package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** A client that leaves cancels the paid upstream request; a client that stops reading cannot hold relay. */
class CancellationTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration INTERVAL = Duration.ofMillis(200);

    private static PingSettings ping(Duration grace, Duration writeTimeout) {
        return new PingSettings(true, INTERVAL, writeTimeout, grace, "PING");
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /** The client hangs up; relay must close the upstream connection within {@code boundMs}. */
    private static void leaveAndExpectUpstreamClosedWithin(TestClient client, TestUpstream upstream, long boundMs)
            throws Exception {
        TestUpstream.Conn conn = upstream.nextConnection(WAIT);
        long left = System.nanoTime();
        client.close();
        assertTrue(conn.awaitClosed(WAIT), "upstream never closed");
        long ms = (conn.closedNanos() - left) / 1_000_000;
        assertTrue(ms <= boundMs, "upstream closed " + ms + " ms after the client left");
    }

    @Test
    void clientLeavingDuringSilenceAfterHeadersClosesTheUpstreamWithinTwoIntervals() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"n\":1}\n\n");
                    conn.silentUntilClosed();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofSeconds(1), Duration.ofSeconds(2)), StreamSettings.DEFAULTS))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals("data: {\"n\":1}\n\n", client.nextBlock().text());
            leaveAndExpectUpstreamClosedWithin(client, upstream, 2 * INTERVAL.toMillis() + 2000);
            assertTrue(relay.awaitLog("reason=client_gone", WAIT), relay.log());
            assertTrue(relay.awaitNoThreads(WAIT), "stream threads left behind");
        }
    }

    @Test
    void clientLeavingBeforeUpstreamHeadersClosesTheUpstream() throws Exception {
        try (TestUpstream upstream = new TestUpstream(TestUpstream.Conn::silentUntilClosed);
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofMillis(100), Duration.ofSeconds(2)), StreamSettings.DEFAULTS))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals(200, client.status);
            assertTrue(client.nextBlock().isPing());
            leaveAndExpectUpstreamClosedWithin(client, upstream, 2 * INTERVAL.toMillis() + 2000);
            assertTrue(relay.awaitLog("reason=client_gone", WAIT), relay.log());
            assertTrue(relay.awaitNoThreads(WAIT), "stream threads left behind");
        }
    }

    @Test
    void clientLeavingMidFlowClosesTheUpstreamWithinSeconds() throws Exception {
        CountDownLatch flowing = new CountDownLatch(1);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    for (int i = 0; i < 2000; i++) {
                        conn.chunk("data: {\"n\":" + i + "}\n\n");
                        flowing.countDown();
                        conn.thinkFor(java.time.Duration.ofMillis(10)); // an upstream producing a token every 10 ms
                    }
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofSeconds(1), Duration.ofSeconds(2)), StreamSettings.DEFAULTS))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            client.nextBlock();
            assertTrue(flowing.await(5, TimeUnit.SECONDS));
            leaveAndExpectUpstreamClosedWithin(client, upstream, 3000);
            assertTrue(relay.awaitNoThreads(WAIT), "stream threads left behind");
        }
    }

    @Test
    void clientThatNeverReadsEndsWithWriteTimeoutAndFreesItsThreads() throws Exception {
        byte[] event = ("data: " + "x".repeat(16 * 1024) + "\n\n").getBytes(StandardCharsets.UTF_8);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    for (int i = 0; i < 100_000; i++) { // far more than any socket buffers hold
                        conn.chunk(event);
                    }
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofSeconds(1), Duration.ofMillis(500)), StreamSettings.DEFAULTS));
                Socket stuck = new Socket()) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(new InetSocketAddress("127.0.0.1", relay.address().getPort()));
            String body = STREAM_REQUEST;
            stuck.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: relay\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            stuck.getOutputStream().flush();
            // the client reads nothing from here on
            assertTrue(relay.awaitLog("reason=write_timeout", Duration.ofSeconds(30)), relay.log());
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            assertTrue(conn.awaitClosed(WAIT), "upstream left open");
            assertTrue(relay.awaitNoThreads(WAIT), "a thread is still blocked on the stuck client");
        }
    }
}
