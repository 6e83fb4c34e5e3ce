package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.config.UpstreamSettings;
import relay.testing.Await;
import relay.testing.HttpLines;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * Upstream connections are reused after a complete exchange only, and a pooled connection the
 * upstream closed meanwhile never becomes a client error. Connections are counted at the upstream.
 */
class PoolTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final String PLAIN_REQUEST = "{\"model\":\"m\"}";
    private static final PingSettings PING = new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofMillis(500), "PING");
    private static final String JSON = "{\"ok\":true}";
    private static final String JSON_ANSWER = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + JSON.length() + "\r\n\r\n" + JSON;
    private static final String STREAM_ANSWER = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n" + chunk("data: {\"n\":1}\n\n") + chunk("data: [DONE]\n\n") + "0\r\n\r\n";

    private static String chunk(String text) {
        return Integer.toHexString(text.length()) + "\r\n" + text + "\r\n";
    }

    /** An HTTP/1.1 upstream that serves any number of requests per connection, answering request n with {@code answers}. */
    private static final class KeepAliveUpstream implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();
        final AtomicInteger closedByRelay = new AtomicInteger();
        private final IntFunction<String> answers;

        KeepAliveUpstream(IntFunction<String> answers) throws IOException {
            this.answers = answers;
            Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        accepted.incrementAndGet();
                        sockets.add(socket);
                        Thread.ofVirtual().start(() -> serve(socket));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                while (true) {
                    int length = -1;
                    String line;
                    while (!(line = HttpLines.readLine(in, "closed")).isEmpty()) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    in.readNBytes(Math.max(0, length));
                    String answer = answers.apply(requests.incrementAndGet());
                    out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (answer.contains("Connection: close")) {
                        return;
                    }
                }
            } catch (IOException e) {
                closedByRelay.incrementAndGet(); // relay closed the connection (EOF while waiting for a request)
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    private static String safeBody(TestClient client) {
        try {
            return client.bodyText();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static Config config(URI upstream, UpstreamSettings settings) {
        Config base = TestConfigs.with(upstream, PING, StreamSettings.DEFAULTS);
        return new Config(base.source(), base.server(), base.ping(), settings, base.stream(), base.demo(), base.routes());
    }

    private static Config config(URI upstream) {
        return config(upstream, UpstreamSettings.DEFAULTS);
    }

    @Test
    void completeNonStreamAndStreamExchangesReuseOneConnection() throws Exception {
        try (KeepAliveUpstream upstream = new KeepAliveUpstream(n -> n % 2 == 1 ? JSON_ANSWER : STREAM_ANSWER);
                RunningRelay relay = new RunningRelay(config(upstream.uri()))) {
            for (int i = 0; i < 2; i++) {
                TestClient json = relay.client().post("/v1/chat/completions", PLAIN_REQUEST);
                assertEquals(JSON, json.bodyText());
                TestClient stream = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
                assertEquals("data: [DONE]\n\n", stream.remainingBlocks().getLast().text());
                assertTrue(relay.awaitLog("reason=done", WAIT));
                assertTrue(Await.until(() -> relay.server().idleUpstreamConnections() == 1, WAIT),
                        "the stream's connection went back to the pool after [DONE] and its last chunk");
            }
            assertEquals(4, upstream.requests.get());
            assertEquals(1, upstream.accepted.get(), "four requests, one upstream connection");
            String metrics = relay.client().request("GET", "/metrics", null).bodyText();
            assertTrue(metrics.contains("relay_upstream_pool_requests_total{result=\"hit\"} 3.0"), metrics);
            assertTrue(metrics.contains("relay_upstream_pool_requests_total{result=\"miss\"} 1.0"), metrics);
        }
    }

    @Test
    void aCancelledStreamsConnectionIsNeverReused() throws Exception {
        String endless = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk("data: {\"n\":1}\n\n");
        try (KeepAliveUpstream upstream = new KeepAliveUpstream(n -> n == 1 ? endless : JSON_ANSWER);
                RunningRelay relay = new RunningRelay(config(upstream.uri()))) {
            TestClient stream = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals("data: {\"n\":1}\n\n", stream.nextBlock().text());
            stream.close(); // the client leaves mid-stream: relay cancels the upstream request
            assertTrue(Await.until(() -> upstream.closedByRelay.get() == 1, WAIT), "the cut stream's connection closed");
            assertEquals(JSON, relay.client().post("/v1/chat/completions", PLAIN_REQUEST).bodyText());
            assertEquals(2, upstream.accepted.get(), "the next request opened a new connection");
        }
    }

    @Test
    void aResponseThatSaysConnectionCloseIsNotReused() throws Exception {
        String closing = JSON_ANSWER.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
        try (KeepAliveUpstream upstream = new KeepAliveUpstream(n -> closing);
                RunningRelay relay = new RunningRelay(config(upstream.uri()))) {
            assertEquals(JSON, relay.client().post("/v1/chat/completions", PLAIN_REQUEST).bodyText());
            assertEquals(JSON, relay.client().post("/v1/chat/completions", PLAIN_REQUEST).bodyText());
            assertEquals(2, upstream.accepted.get());
            assertEquals(0, relay.server().idleUpstreamConnections());
        }
    }

    /** Every connection of this upstream is closed by it after one answer, without saying so first. */
    @Test
    void aPooledConnectionClosedByTheUpstreamIsNotAClientError() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.raw(JSON_ANSWER);
                    conn.closeOutput(); // done with it, as an upstream timing out idle connections is (a FIN)
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri()))) {
            for (int i = 0; i < 3; i++) {
                TestClient client = relay.client().post("/v1/chat/completions", PLAIN_REQUEST);
                assertEquals(200, client.status, () -> client.status + " " + safeBody(client) + relay.log());
                assertEquals(JSON, client.bodyText());
            }
            assertEquals(3, upstream.accepted());
            assertTrue(relay.awaitLog("status=200", WAIT));
            assertTrue(!relay.log().contains("status=502"), relay.log());
        }
    }

    @Test
    void idleConnectionsAreClosedAfterIdleTtl() throws Exception {
        UpstreamSettings d = UpstreamSettings.DEFAULTS;
        try (KeepAliveUpstream upstream = new KeepAliveUpstream(n -> JSON_ANSWER);
                RunningRelay relay = new RunningRelay(config(upstream.uri(),
                        new UpstreamSettings(d.connectTimeout(), d.keepalive(), 4, Duration.ofSeconds(1))))) {
            assertEquals(JSON, relay.client().post("/v1/chat/completions", PLAIN_REQUEST).bodyText());
            assertTrue(Await.until(() -> relay.server().idleUpstreamConnections() == 1, WAIT), "kept for reuse");
            assertTrue(Await.until(() -> upstream.closedByRelay.get() == 1, WAIT), "relay closed it after idle_ttl");
            assertEquals(0, relay.server().idleUpstreamConnections());
        }
    }

    @Test
    void maxIdlePerHostZeroOpensOneConnectionPerRequest() throws Exception {
        try (KeepAliveUpstream upstream = new KeepAliveUpstream(n -> JSON_ANSWER);
                RunningRelay relay = new RunningRelay(config(upstream.uri(), UpstreamSettings.DEFAULTS.withoutReuse()))) {
            assertEquals(JSON, relay.client().post("/v1/chat/completions", PLAIN_REQUEST).bodyText());
            assertEquals(JSON, relay.client().post("/v1/chat/completions", PLAIN_REQUEST).bodyText());
            assertEquals(2, upstream.accepted.get());
            assertTrue(Await.until(() -> upstream.closedByRelay.get() == 2, WAIT), "relay asked for Connection: close");
        }
    }
}
