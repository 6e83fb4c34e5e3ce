package relay.e2e;

import relay.testing.ErrorShape;
import relay.testing.RawExchange;
import relay.testing.RawExchange.Raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.config.Config;
import relay.config.DemoSettings;
import relay.config.ErrorFormat;
import relay.config.PingSettings;
import relay.config.Route;
import relay.config.RouteTarget;
import relay.config.ServerSettings;
import relay.config.StreamSettings;
import relay.config.UpstreamSettings;
import relay.testing.ProcessRelay;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestClient.Block;
import relay.testing.TestUpstream;

/**
 * Issue 5, "Limits": a client cannot hold relay with a request it never finishes, an oversized header
 * section or body, or more concurrent streams than {@code server.max_streams}. Settings that configure the
 * JDK server (system properties, read once per JVM) run against relay in its own JVM.
 */
class LimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";

    // ---- slowloris: request_timeout ----

    @Test
    void clientsThatNeverFinishTheirRequestAreCutAtRequestTimeout(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = new TestUpstream(LimitsTest::okJson);
                ProcessRelay relay = ProcessRelay.start(dir, """
                        [server]
                        listen = "127.0.0.1:${PORT}"
                        request_timeout = "2s"
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        """.formatted(upstream.uri()));
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: relay\r\n";
            // three kinds of slow client at once: one that stops after a header, one that trickles header
            // bytes forever, and one that trickles its body
            Future<Long> silent = threads.submit(() -> millisUntilCut(relay.address(), head, null));
            Future<Long> headerTrickler = threads.submit(() -> millisUntilCut(relay.address(), head, "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
            Future<Long> bodyTrickler = threads.submit(() -> millisUntilCut(relay.address(),
                    head + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":\"m\",\"input\":\"",
                    "x".repeat(900)));
            for (Future<Long> client : List.of(silent, headerTrickler, bodyTrickler)) {
                long ms = client.get(20, TimeUnit.SECONDS);
                assertTrue(ms >= 1000 && ms <= 6000, "cut after " + ms + " ms with request_timeout = 2s");
            }
            assertTrue(relay.process().isAlive(), relay.output());
            // relay is healthy and serves the next request, a sentinel: the first the upstream ever sees
            try (TestClient health = relay.client().request("GET", "/healthz", null)) {
                assertEquals(200, health.status);
            }
            try (TestClient client = relay.client().post("/v1/chat/completions", "{\"model\":\"sentinel\"}")) {
                assertEquals(200, client.status);
                assertEquals("{}", client.bodyText());
            }
            assertEquals("{\"model\":\"sentinel\"}", upstream.onlyConnection(WAIT).bodyText(),
                    "an unfinished request reached the upstream");
        }
    }

    /**
     * Sends {@code head} and then, if {@code trickle} is given, one byte of it every 200 ms, and returns how
     * long after the first byte relay closed the connection. Fails if relay keeps it open for 10 s.
     */
    private static long millisUntilCut(InetSocketAddress relay, String head, String trickle) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(relay, 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            long start = System.nanoTime();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread trickler = null;
            if (trickle != null) {
                trickler = Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < trickle.length(); i++) {
                            Thread.sleep(200); // the pace of a slowloris client, not a synchronisation
                            out.write(trickle.charAt(i));
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // relay closed the connection: what the test waits for
                    }
                });
            }
            try {
                int b = socket.getInputStream().read();
                // a response is acceptable only as a refusal; the connection must end either way
                if (b != -1) {
                    byte[] rest = socket.getInputStream().readAllBytes();
                    String response = (char) b + new String(rest, StandardCharsets.ISO_8859_1);
                    assertTrue(response.matches("(?s)HTTP/1\\.1 (408|4\\d\\d).*"), "unexpected answer: " + response);
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("relay kept a client trickling its request for 10 s", e);
            } catch (IOException e) {
                // reset: cut
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (trickler != null) {
                trickler.interrupt();
                trickler.join();
            }
            return ms;
        }
    }

    // ---- header section limits ----

    @Test
    void oversizedHeaderSectionsAreRefusedAndNeverReachTheUpstream(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = new TestUpstream(LimitsTest::okJson);
                ProcessRelay relay = ProcessRelay.start(dir, """
                        [server]
                        listen = "127.0.0.1:${PORT}"
                        max_headers = 20
                        max_header_bytes = "8KiB"
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        """.formatted(upstream.uri()))) {
            StringBuilder fifty = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                fifty.append("X-Header-").append(i).append(": value-").append(i).append("\r\n");
            }
            StringBuilder repeated = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                repeated.append("X-Same: v\r\n"); // one name many times: still bounded by the bytes
            }
            Map<String, String> requests = new LinkedHashMap<>();
            requests.put("50 headers", "GET /v1/models HTTP/1.1\r\nHost: relay\r\n" + fifty + "\r\n");
            requests.put("a 20 KiB header", "GET /v1/models HTTP/1.1\r\nHost: relay\r\nX-Big: " + "b".repeat(20 * 1024)
                    + "\r\n\r\n");
            requests.put("a 20 KiB request line", "GET /v1/" + "p".repeat(20 * 1024) + " HTTP/1.1\r\nHost: relay\r\n\r\n");
            requests.put("2000 header lines of one name", "GET /v1/models HTTP/1.1\r\nHost: relay\r\n" + repeated + "\r\n");
            for (Map.Entry<String, String> request : requests.entrySet()) {
                Raw response = RawExchange.send(relay.address(), request.getValue());
                assertTrue(response.status() == -1 || (response.status() >= 400 && response.status() < 500),
                        request.getKey() + ": " + response.text());
            }
            assertTrue(relay.process().isAlive(), relay.output());
            // within the limits, requests work: 16 headers of our own besides Host; this sentinel must be
            // the first request the upstream ever saw
            StringBuilder sixteen = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                sixteen.append("X-Header-").append(i).append(": value-").append(i).append("\r\n");
            }
            Raw ok = RawExchange.send(relay.address(), "GET /v1/models HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n" + sixteen + "\r\n");
            assertEquals(200, ok.status(), ok.text());
            TestUpstream.Conn sentinel = upstream.onlyConnection(WAIT);
            assertEquals(16, sentinel.headers.keySet().stream().filter(name -> name.startsWith("x-header-")).count(),
                    "an oversized request reached the upstream before the sentinel: " + sentinel.headers);
            try (TestClient health = relay.client().request("GET", "/healthz", null)) {
                assertEquals(200, health.status);
            }
        }
    }

    // ---- max_body for a chunked body ----

    @Test
    void chunkedBodyOverMaxBodyIsRefusedAndTheUpstreamRequestIsCut() throws Exception {
        // the body says "stream": true at once, so relay has opened the upstream before the limit is reached
        String start = "{\"stream\":true,\"input\":\"";
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk("data: [DONE]\n\n").end());
                RunningRelay relay = new RunningRelay(config(upstream.uri(), 1000, 64 * 1024))) {
            Raw response = sendChunked(relay.address(), start, 200 * 1024);
            assertRefusedAsTooLarge(response);
            // waits for the acceptor, however late: relay's connect completes in the kernel's backlog, so a
            // counter read now could still say 0 (and "all closed" be trivially true)
            TestUpstream.Conn cut = upstream.nextAccepted(WAIT); // fails if relay never opened the upstream: this case tests the cut
            assertTrue(cut.awaitClosed(WAIT), "relay left the upstream request open after refusing its body");
            // the upstream never got a complete request it could answer (its chunked body has no end)
            assertFalse(cut.requestComplete(), "the upstream received the whole over-size body");
            assertEquals(1, upstream.accepted(), "relay opened more than one upstream connection for one request");
            assertTrue(upstream.awaitAllClosed(WAIT), upstream.open() + " upstream connections left open");
            assertTrue(relay.awaitNoThreads(WAIT));
            assertEquals(0, relay.server().activeExchanges());
        }
    }

    @Test
    void chunkedBodyOverMaxBodyBeforeAnyDecisionNeverReachesTheUpstream() throws Exception {
        // no "stream" field within the limit: relay is still reading the body's start when it exceeds max_body
        String start = "{\"model\":\"m\",\"input\":\"";
        try (TestUpstream upstream = new TestUpstream(LimitsTest::okJson);
                RunningRelay relay = new RunningRelay(config(upstream.uri(), 1000, 16 * 1024))) {
            Raw response = sendChunked(relay.address(), start, 200 * 1024);
            assertRefusedAsTooLarge(response);
            assertTrue(relay.awaitNoThreads(WAIT));
            // relay still serves bodies within the limit, chunked too; this sentinel is the first request
            // the upstream ever saw, so the over-size one never reached it
            Raw small = sendChunked(relay.address(), start, 1024);
            assertEquals(200, small.status(), small.text());
            assertEquals(String.join("", chunks(start, 1024)), upstream.onlyConnection(WAIT).bodyText(),
                    "an over-size body reached the upstream");
        }
    }

    private static void assertRefusedAsTooLarge(Raw response) throws IOException {
        if (response.status() == -1) {
            return; // cut while the client was still sending: it cannot mistake that for a success
        }
        assertEquals(413, response.status(), response.text());
        ErrorShape.assertResponse(response, "body_too_large");
    }

    /** POSTs a chunked JSON body of about {@code size} bytes starting with {@code start}, from its own thread. */
    private static Raw sendChunked(InetSocketAddress relay, String start, int size) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(relay, 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    for (String chunk : chunks(start, size)) {
                        writeChunk(out, chunk);
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // relay refused the rest: expected for an over-size body
                }
            });
            Raw response = RawExchange.readResponse(socket.getInputStream());
            writer.join(10_000);
            return response;
        }
    }

    /** The chunks of a JSON body of about {@code size} bytes starting with {@code start}. */
    private static List<String> chunks(String start, int size) {
        List<String> chunks = new ArrayList<>(List.of(start));
        String piece = "x".repeat(4096);
        for (int sent = start.length(); sent < size; sent += piece.length()) {
            chunks.add(piece);
        }
        chunks.add("\"}");
        return chunks;
    }

    private static void writeChunk(OutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    // ---- max_streams ----

    @Test
    void overMaxStreamsIs503WithRetryAfterUntilAStreamEnds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: first\n\n");
                    release.await(20, TimeUnit.SECONDS); // a long-running stream
                    conn.chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri(), 3, 1024 * 1024))) {
            List<TestClient> streams = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
                    streams.add(client);
                    assertEquals(200, client.status);
                    assertEquals("data: first\n\n", client.nextBlock().text());
                }
                assertEquals(3, relay.server().activeExchanges());
                try (TestClient fourth = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
                    assertEquals(503, fourth.status);
                    assertNotNull(fourth.header("retry-after"), "503 without Retry-After");
                    assertTrue(fourth.header("retry-after").matches("\\d+"), fourth.header("retry-after"));
                    String type = fourth.header("content-type");
                    assertTrue(type != null && type.toLowerCase(Locale.ROOT).startsWith("application/json"), type);
                    ErrorShape.assertJson(fourth.bodyText(), "overloaded");
                }
                try (TestClient nonStream = relay.client().post("/v1/embeddings", "{\"input\":\"x\"}")) {
                    assertEquals(503, nonStream.status, "max_streams counts every proxied request");
                    nonStream.bodyText();
                }
                // relay's own endpoints still answer when it is full
                try (TestClient health = relay.client().request("GET", "/healthz", null)) {
                    assertEquals(200, health.status);
                }
                // every connection relay made so far is counted (TestUpstream.accepted runs a barrier)
                assertEquals(3, upstream.accepted(), "a refused request reached the upstream");
                release.countDown();
                for (TestClient client : streams) {
                    List<Block> rest = client.remainingBlocks();
                    assertEquals("data: [DONE]\n\n", rest.get(rest.size() - 1).text());
                }
            } finally {
                release.countDown();
                for (TestClient client : streams) {
                    client.close();
                }
            }
            assertTrue(relay.awaitNoThreads(WAIT));
            assertEquals(0, relay.server().activeExchanges());
            // a sentinel once a slot is free: the upstream's fourth connection, right after the three streams
            try (TestClient again = relay.client().post("/v1/sentinel", STREAM_REQUEST)) {
                assertEquals(200, again.status);
                assertEquals("data: first\n\ndata: [DONE]\n\n", again.bodyText());
            }
            assertEquals(4, upstream.accepted(), "the three streams and the sentinel, nothing else");
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                TestUpstream.Conn conn = upstream.nextAccepted(WAIT);
                assertTrue(conn.awaitRequest(WAIT), "an incomplete request upstream: " + conn);
                order.add(conn.target);
            }
            assertEquals(List.of("/v1/chat/completions", "/v1/chat/completions", "/v1/chat/completions", "/v1/sentinel"),
                    order, "a refused request reached the upstream");
            assertTrue(relay.log().contains("status=503"), relay.log());
        }
    }

    // ---- helpers ----

    private static void okJson(TestUpstream.Conn conn) throws IOException {
        conn.head(200, "Content-Type: application/json", "Content-Length: 2").raw("{}");
    }

    @Test
    void aSmallHeapWithMaxStreamsRefusesWorkInsteadOfRunningOutOfMemory(@TempDir Path dir) throws Exception {
        int limit = 300;
        int clients = 360;
        CountDownLatch release = new CountDownLatch(1);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: first\n\n");
                    release.await(30, TimeUnit.SECONDS); // every admitted stream stays open at once
                    conn.chunk("data: [DONE]\n\n").end();
                });
                // 48 MiB of heap holds 300 streams (about 60 KiB each, README "Sizing"), not thousands
                ProcessRelay relay = ProcessRelay.start(dir, """
                        [server]
                        listen = "127.0.0.1:${PORT}"
                        max_streams = %d
                        [log]
                        level = "off"
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        """.formatted(limit, upstream.uri()), "-Xmx48m");
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch answered = new CountDownLatch(clients);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                statuses.add(pool.submit(() -> {
                    try (TestClient client = relay.client().post("/v1/chat/completions", "{\"stream\":true}")) {
                        answered.countDown();
                        if (client.status == 200) {
                            client.remainingBlocks();
                        }
                        return client.status;
                    }
                }));
            }
            assertTrue(answered.await(30, TimeUnit.SECONDS), "not every client got an answer");
            release.countDown();
            int ok = 0;
            int refused = 0;
            for (Future<Integer> status : statuses) {
                int code = status.get(30, TimeUnit.SECONDS);
                ok += code == 200 ? 1 : 0;
                refused += code == 503 ? 1 : 0;
            }
            assertEquals(limit, ok, relay.output());
            assertEquals(clients - limit, refused);
            assertTrue(relay.process().isAlive(), relay.output());
            assertFalse(relay.output().contains("OutOfMemoryError"), relay.output());
            try (TestClient health = relay.client().request("GET", "/healthz", null)) {
                assertEquals(200, health.status);
            }
        }
    }

    private static Config config(URI upstream, int maxStreams, long maxBody) {
        Route route = new Route("/v1", new RouteTarget.Http(upstream), Map.of(), true, ErrorFormat.AUTO);
        return new Config(Path.of("test.toml"),
                new ServerSettings(new InetSocketAddress("127.0.0.1", 0), maxStreams, maxBody, Duration.ofSeconds(1),
                        List.of(), Duration.ofSeconds(60), 100, 64 * 1024),
                new PingSettings(true, Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMillis(200), "PING"),
                UpstreamSettings.DEFAULTS, StreamSettings.DEFAULTS, DemoSettings.DEFAULTS, List.of(route));
    }


}
