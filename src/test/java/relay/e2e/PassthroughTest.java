package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * Everything that is not an event stream (spec §3.4) is proxied transparently, and the errors relay answers
 * itself (§3.5) have the OpenAI error shape: what the client receives and what the upstream received.
 * These cases need byte-level control of the upstream (framing, chunk timing, bodyless responses, cut
 * bodies, raw hop-by-hop response headers, connections that never happen), so they use TestUpstream;
 * plain request and response checks are in PlainHttpProxyTest, against WireMock.
 */
class PassthroughTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    // ---- responses come back unchanged ----

    @Test
    void contentLengthBodyPassesThroughWithTheSameLength() throws Exception {
        byte[] body = largeJson(200_000).getBytes(StandardCharsets.UTF_8);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.head(200, "Content-Type: application/json", "Content-Length: " + body.length);
                    conn.raw(new String(body, StandardCharsets.UTF_8));
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/embeddings", REQUEST)) {
            assertEquals(200, client.status);
            assertEquals(String.valueOf(body.length), client.header("content-length"));
            assertNull(client.header("transfer-encoding"), "a Content-Length body was re-framed as chunked");
            assertArrayEquals(body, client.body().readAllBytes());
        }
    }

    @Test
    void hopByHopResponseHeadersAreNotReturnedToTheClient() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200,
                        "Content-Type: application/json",
                        "Content-Length: 2",
                        "Connection: X-Upstream-Hop",
                        "X-Upstream-Hop: upstream-only",
                        "Keep-Alive: timeout=5",
                        "Proxy-Authenticate: Basic realm=\"upstream\"",
                        "x-request-id: req-hop").raw("{}"));
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", REQUEST)) {
            assertEquals(200, client.status);
            assertEquals("req-hop", client.header("x-request-id"));
            assertNull(client.header("x-upstream-hop"));
            assertNull(client.header("keep-alive"));
            assertNull(client.header("proxy-authenticate"));
            assertEquals("{}", client.bodyText());
        }
    }

    // What the upstream receives (method, path and query, body, end-to-end and route headers, no hop-by-hop
    // header) and plain JSON answers of every status come back unchanged: PlainHttpProxyTest, with WireMock.

    // ---- bodies are streamed, never buffered ----

    @Test
    void chunkedJsonResponseIsStreamedChunkByChunk() throws Exception {
        String[] parts = {"{\"part\":1,", "\"part\":2,", "\"part\":3}"};
        CountDownLatch firstRead = new CountDownLatch(1);
        CountDownLatch secondRead = new CountDownLatch(1);
        AtomicBoolean clientHadFirstBeforeSecondWasSent = new AtomicBoolean();
        AtomicBoolean clientHadSecondBeforeThirdWasSent = new AtomicBoolean();
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.head(200, "Content-Type: application/json", "Transfer-Encoding: chunked");
                    conn.chunk(parts[0]);
                    // a relay that buffered the body would never let the client see part 1 now
                    clientHadFirstBeforeSecondWasSent.set(firstRead.await(5, TimeUnit.SECONDS));
                    conn.chunk(parts[1]);
                    clientHadSecondBeforeThirdWasSent.set(secondRead.await(5, TimeUnit.SECONDS));
                    conn.chunk(parts[2]).end();
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", REQUEST)) {
            assertEquals(200, client.status);
            assertEquals("application/json", client.header("content-type"));
            byte[] first = client.body().readNBytes(parts[0].length());
            assertEquals(parts[0], new String(first, StandardCharsets.UTF_8));
            firstRead.countDown();
            byte[] second = client.body().readNBytes(parts[1].length());
            assertEquals(parts[1], new String(second, StandardCharsets.UTF_8));
            secondRead.countDown();
            assertEquals(parts[2], client.bodyText()); // and the chunked body ends cleanly
            assertTrue(clientHadFirstBeforeSecondWasSent.get(), "the first chunk was held back until the second");
            assertTrue(clientHadSecondBeforeThirdWasSent.get(), "the second chunk was held back until the third");
        }
    }

    // ---- responses without a body ----

    @Test
    void headResponseHasNoBody() throws Exception {
        String getBody = "{\"data\":[]}";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    if (conn.method.equals("HEAD")) {
                        conn.head(200, "Content-Type: application/json", "Content-Length: 1234", "x-request-id: req-head");
                    } else {
                        conn.head(200, "Content-Type: application/json", "Content-Length: " + getBody.length())
                                .raw(getBody);
                    }
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS));
                TestClient client = relay.client().request("HEAD", "/v1/models", null)) {
            assertEquals(200, client.status);
            assertEquals("req-head", client.header("x-request-id"));
            assertEquals("HEAD", upstream.nextConnection(WAIT).method);
            // The next response on the same connection parses only if the HEAD response sent no body bytes.
            client.request("GET", "/v1/models", null);
            assertEquals(200, client.status);
            assertEquals(getBody, client.bodyText());
        }
    }

    @Test
    void headResponseKeepsTheUpstreamsContentLength() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200, "Content-Type: application/json",
                        "Content-Length: 1234"));
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS));
                TestClient client = relay.client().request("HEAD", "/v1/files/file-1/content", null)) {
            assertEquals(200, client.status);
            // RFC 9110 §9.3.2: a HEAD response carries the header fields the GET response would have
            assertEquals("1234", client.header("content-length"));
        }
    }

    @Test
    void noContentResponseHasNoBody() throws Exception {
        String getBody = "{\"ok\":true}";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    if (conn.method.equals("DELETE")) {
                        conn.head(204, "x-request-id: req-204");
                    } else {
                        conn.head(200, "Content-Type: application/json", "Content-Length: " + getBody.length())
                                .raw(getBody);
                    }
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS));
                TestClient client = relay.client().request("DELETE", "/v1/files/file-1", null)) {
            assertEquals(204, client.status);
            assertEquals("req-204", client.header("x-request-id"));
            assertNull(client.header("transfer-encoding"), "a 204 was given a chunked body");
            assertEquals("DELETE", upstream.nextConnection(WAIT).method);
            client.request("GET", "/v1/files/file-1", null);
            assertEquals(200, client.status);
            assertEquals(getBody, client.bodyText());
        }
    }

    // ---- errors relay answers itself ----

    @Test
    void unknownPathIs404WithTheOpenAiErrorShapeAndNothingIsForwarded() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200, "Content-Length: 2").raw("{}"));
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS))) {
            try (TestClient client = relay.client().post("/v2/chat/completions", REQUEST)) {
                assertErrorResponse(client, 404, "unknown_route");
            }
            try (TestClient client = relay.client().post("/v10/chat/completions", REQUEST)) {
                assertErrorResponse(client, 404, "unknown_route"); // "/v1" matches on a segment boundary only
            }
            try (TestClient client = relay.client().request("GET", "/", null)) {
                assertErrorResponse(client, 404, "unknown_route");
            }
            // a sentinel on the route: it must be the first and only request the upstream ever saw
            try (TestClient client = relay.client().post("/v1/sentinel", REQUEST)) {
                assertEquals(200, client.status);
                assertEquals("{}", client.bodyText());
            }
            assertEquals("/v1/sentinel", upstream.onlyConnection(WAIT).target, "an unrouted request reached the upstream");
        }
    }

    @Test
    void refusedUpstreamConnectionIs502WithTheOpenAiErrorShape() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        URI nobody = URI.create("http://127.0.0.1:" + closedPort);
        try (RunningRelay relay = new RunningRelay(config(nobody, Map.of("Authorization", "Bearer sk-route-secret"),
                        StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", REQUEST)) {
            JsonNode error = assertErrorResponse(client, 502, null);
            assertFalse(error.toString().contains("sk-route-secret"), "the error message contains the route's key");
        }
    }

    @Test
    void upstreamThatNeverAnswersIs504AfterIdleTimeout() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        StreamSettings stream = new StreamSettings(Duration.ofMillis(500), Duration.ofMinutes(1), 1024 * 1024);
        try (TestUpstream upstream = new TestUpstream(conn -> never.await(20, TimeUnit.SECONDS));
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), stream))) {
            long start = System.nanoTime();
            try (TestClient client = relay.client().post("/v1/chat/completions", REQUEST)) {
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertErrorResponse(client, 504, null);
                assertTrue(tookMs >= 400, "504 after only " + tookMs + " ms of a 500 ms idle_timeout");
                assertTrue(tookMs < 5000, "504 took " + tookMs + " ms for a 500 ms idle_timeout");
            }
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            never.countDown(); // the script returns and waits for relay to close the connection
            assertTrue(conn.awaitClosed(WAIT), "the unanswered upstream request was not cancelled");
        }
    }

    @Test
    void contentLengthBodyCutShortReachesTheClientIncomplete() throws Exception {
        String sent = "{\"id\":\"x\"";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.head(200, "Content-Type: application/json", "Content-Length: 100").raw(sent);
                    conn.closeOutput(); // FIN after 10 of the 100 announced bytes
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS));
                TestClient client = TestClient.connect(relay.address(), Duration.ofSeconds(5))) {
            byte[] received;
            try {
                client.post("/v1/chat/completions", REQUEST);
                assertEquals(200, client.status);
                received = client.body().readAllBytes();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("relay neither finished nor cut the response", e);
            } catch (IOException e) {
                received = null; // the connection was cut: an incomplete response, as it must be
            }
            if (received != null) {
                assertTrue(received.length < 100, "a truncated upstream body reached the client as complete");
                byte[] sentBytes = sent.getBytes(StandardCharsets.UTF_8);
                assertTrue(received.length <= sentBytes.length
                        && Arrays.equals(received, Arrays.copyOf(sentBytes, received.length)),
                        "the client received bytes the upstream never sent: " + new String(received, StandardCharsets.UTF_8));
            }
            assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT));
        }
    }

    @Test
    void chunkedBodyCutShortReachesTheClientIncomplete() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.head(200, "Content-Type: application/json", "Transfer-Encoding: chunked");
                    conn.chunk("{\"id\":\"x\",");
                    conn.closeOutput(); // FIN without the terminating chunk
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS));
                TestClient client = TestClient.connect(relay.address(), Duration.ofSeconds(5))) {
            try {
                client.post("/v1/chat/completions", REQUEST);
                assertEquals(200, client.status);
                String body = client.bodyText();
                fail("a truncated chunked body reached the client as a complete response: " + body);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("relay neither finished nor cut the response", e);
            } catch (IOException expected) {
                // the client's chunked decoder saw the connection end before the last chunk
            }
            assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT));
        }
    }

    @Test
    void bodyOverMaxBodyIs413AndTheUpstreamIsNeverContacted() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200, "Content-Type: application/json",
                        "Content-Length: 2").raw("{}"));
                RunningRelay relay = new RunningRelay(config(upstream.uri(), Map.of(), StreamSettings.DEFAULTS, 1024))) {
            String tooLarge = "{\"input\":\"" + "x".repeat(4096) + "\"}";
            try (TestClient client = relay.client().post("/v1/embeddings", tooLarge)) {
                assertErrorResponse(client, 413, null);
            }
            // the upstream is reachable: a request within the limit gets through, and is the first it sees
            String small = "{\"input\":\"ok\"}";
            try (TestClient client = relay.client().post("/v1/embeddings", small)) {
                assertEquals(200, client.status);
                assertEquals("{}", client.bodyText());
            }
            assertEquals(small, upstream.onlyConnection(WAIT).bodyText(), "an over-size request reached the upstream");
        }
    }

    // ---- helpers ----

    /** Asserts relay's own error: status, JSON content type, and {"error":{"message","type","code"}}. */
    private static JsonNode assertErrorResponse(TestClient client, int status, String code) throws IOException {
        assertEquals(status, client.status);
        String type = client.header("content-type");
        assertNotNull(type, "error without Content-Type");
        assertTrue(type.toLowerCase(Locale.ROOT).startsWith("application/json"), type);
        JsonNode root = JSON.readTree(client.bodyText());
        assertEquals(1, root.size(), root.toString());
        JsonNode error = root.get("error");
        assertNotNull(error, root.toString());
        assertInstanceOf(com.fasterxml.jackson.databind.node.ObjectNode.class, error, root.toString());
        assertTrue(error.path("message").isTextual() && !error.path("message").asText().isBlank(), root.toString());
        assertTrue(error.path("type").isTextual() && !error.path("type").asText().isBlank(), root.toString());
        assertTrue(error.path("code").isTextual() && !error.path("code").asText().isBlank(), root.toString());
        if (code != null) {
            assertEquals(code, error.get("code").asText());
        }
        return error;
    }

    /** A JSON document of about {@code size} bytes with multi-byte characters spread through it. */
    private static String largeJson(int size) {
        StringBuilder text = new StringBuilder("{\"input\":[");
        int i = 0;
        while (text.length() < size) {
            text.append(i == 0 ? "" : ",").append("\"line ").append(i++).append(" é ✓ 🚀 \\\"quoted\\\"\"");
        }
        return text.append("]}").toString();
    }

    private static Config config(URI upstream, Map<String, String> routeHeaders, StreamSettings stream) {
        return config(upstream, routeHeaders, stream, 1024 * 1024);
    }

    private static Config config(URI upstream, Map<String, String> routeHeaders, StreamSettings stream, long maxBody) {
        Route route = new Route("/v1", new RouteTarget.Http(upstream), routeHeaders, true, ErrorFormat.AUTO);
        return new Config(Path.of("test.toml"),
                new ServerSettings(new InetSocketAddress("127.0.0.1", 0), 1000, maxBody, Duration.ofSeconds(1), List.of(), Duration.ofSeconds(60), 100, 64 * 1024),
                new PingSettings(true, Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(1), "PING"),
                UpstreamSettings.DEFAULTS, stream, DemoSettings.DEFAULTS, List.of(route));
    }
}
