package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.DemoSettings;
import relay.config.ErrorFormat;
import relay.config.PingSettings;
import relay.config.Route;
import relay.config.RouteTarget;
import relay.config.ServerSettings;
import relay.config.StreamSettings;
import relay.config.UpstreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestUpstream;

/**
 * A route with {@code ping = false}: relay never answers for the upstream (its 429 reaches the
 * client as a real 429), and the stream's deadlines and the write timeout still hold without a
 * pinger's writes.
 */
class PinglessRouteTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static Config pingless(URI upstream, Duration writeTimeout) {
        Route route = new Route("/v1", new RouteTarget.Http(upstream), Map.of(), false, ErrorFormat.AUTO);
        return new Config(Path.of("test.toml"),
                new ServerSettings(new InetSocketAddress("127.0.0.1", 0), 1000, 1024 * 1024, Duration.ofSeconds(1),
                        List.of(), Duration.ofSeconds(60), 100, 64 * 1024),
                new PingSettings(true, Duration.ofMillis(100), writeTimeout, Duration.ofMillis(100), "PING"),
                UpstreamSettings.DEFAULTS, StreamSettings.DEFAULTS, DemoSettings.DEFAULTS, List.of(route));
    }

    @Test
    void aSlowRateLimitReachesTheClientAsItsRealStatus() throws Exception {
        String limited = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit\"}}";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.thinkFor(Duration.ofMillis(600)); // well past the 100 ms header grace
                    conn.head(429, "Content-Type: application/json", "Content-Length: " + limited.length())
                            .raw(limited);
                });
                RunningRelay relay = new RunningRelay(pingless(upstream.uri(), Duration.ofSeconds(2)));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(429, client.status);
            assertEquals(limited, client.bodyText());
        }
    }

    /** With no pinger writing, a scanner write aborted as stalled must still end the stream as write_timeout. */
    @Test
    void aClientThatNeverReadsEndsWithWriteTimeout() throws Exception {
        byte[] event = ("data: " + "x".repeat(16 * 1024) + "\n\n").getBytes(StandardCharsets.UTF_8);
        stalledClientIsCutAtTheWriteTimeout(TestUpstream.Conn::sseHead, event,
                "POST /v1/chat/completions HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + STREAM_REQUEST.length() + "\r\n\r\n" + STREAM_REQUEST);
    }

    /** A non-stream body to a client that stopped reading: bounded by ping.write_timeout like a stream. */
    @Test
    void aLargeNonStreamBodyToAClientThatNeverReadsIsCutAtTheWriteTimeout() throws Exception {
        stalledClientIsCutAtTheWriteTimeout(
                conn -> conn.head(200, "Content-Type: application/octet-stream", "Transfer-Encoding: chunked"),
                "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8), "GET /v1/files/big HTTP/1.1\r\nHost: relay\r\n\r\n");
    }

    /**
     * The upstream sends far more than any socket buffers hold to a client that sends its request
     * and then reads nothing: the exchange ends as write_timeout, the upstream is cut, and the
     * thread and the max_streams slot are given back.
     */
    private static void stalledClientIsCutAtTheWriteTimeout(TestUpstream.Script head, byte[] chunk, String request)
            throws Exception {
        CountDownLatch relayStopped = new CountDownLatch(1);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    head.run(conn);
                    try {
                        for (int i = 0; i < 100_000; i++) {
                            conn.chunk(chunk);
                        }
                    } finally {
                        relayStopped.countDown();
                    }
                });
                RunningRelay relay = new RunningRelay(pingless(upstream.uri(), Duration.ofMillis(500)));
                Socket stuck = new Socket()) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(new InetSocketAddress("127.0.0.1", relay.address().getPort()));
            stuck.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            stuck.getOutputStream().flush();
            assertTrue(relay.awaitLog("reason=", Duration.ofSeconds(30)), relay.log());
            assertTrue(relay.log().contains("reason=write_timeout"), relay.log());
            assertTrue(relayStopped.await(10, TimeUnit.SECONDS), "the upstream was never cut");
            assertTrue(relay.awaitNoThreads(WAIT), "a thread is still blocked on the stuck client");
            assertEquals(0, relay.server().activeExchanges(), "the max_streams slot was never given back");
        }
    }
}
