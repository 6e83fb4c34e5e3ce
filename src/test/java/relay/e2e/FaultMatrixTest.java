package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.UnixOperatingSystemMXBean;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.testing.Await;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestClient.Block;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * Issue 5, "Fault matrix": the rows not covered by StreamEndTest, CancellationTest, CommitPolicyTest and
 * PassthroughTest. Each asserts what the client receives, the end reason, and that nothing (relay thread,
 * client socket, upstream connection) is left behind.
 */
class FaultMatrixTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";

    private static PingSettings ping(Duration interval, Duration grace) {
        return new PingSettings(true, interval, Duration.ofSeconds(2), grace, "PING");
    }

    // ---- upstream DNS failure ----

    @Test
    void upstreamDnsFailureIs502UpstreamUnreachable() throws Exception {
        URI nowhere = URI.create("http://nonexistent.invalid:8080");
        // header_grace 0 commits stream requests at once, but only once the upstream is connected
        try (RunningRelay relay = new RunningRelay(TestConfigs.with(nowhere, ping(Duration.ofMillis(100), Duration.ZERO),
                StreamSettings.DEFAULTS))) {
            for (String body : List.of(REQUEST, STREAM_REQUEST)) {
                try (TestClient client = relay.client().post("/v1/chat/completions", body)) {
                    JsonNode error = assertErrorResponse(client, 502, "upstream_unreachable");
                    assertTrue(error.path("message").asText().contains("nonexistent.invalid"), error.toString());
                    assertFalse(error.toString().contains("\tat ") || error.toString().contains("Exception:"),
                            "a stack trace in the message: " + error);
                }
            }
            assertTrue(Await.until(() -> count(relay.log(), "reason=upstream_error") == 2, WAIT), relay.log());
            assertTrue(relay.awaitNoThreads(WAIT));
            assertEquals(0, relay.server().activeExchanges());
        }
    }

    // ---- upstream accepts but never answers ----

    @Test
    void upstreamThatAcceptsButNeverAnswersIsPingedUntilIdleTimeoutThenBothSidesClose() throws Exception {
        // 1.5 s of silence at a 100 ms interval: about 14 pings, so "at least 5" survives a loaded machine
        StreamSettings stream = new StreamSettings(Duration.ofMillis(1500), Duration.ofMinutes(1), 1 << 20);
        // not TestUpstream: this one does not even read the request, it only holds the connection
        try (ByteUpstream upstream = new ByteUpstream(null);
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofMillis(100), Duration.ofMillis(100)), stream))) {
            long start = System.nanoTime();
            List<Block> blocks;
            try (TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
                assertEquals(200, client.status);
                assertEquals("text/event-stream", client.header("content-type"));
                blocks = client.remainingBlocks(); // returns only if relay ends the chunked body cleanly
            }
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs >= 1400 && tookMs < 10_000, "idle_timeout 1.5 s took " + tookMs + " ms");
            assertTrue(blocks.stream().filter(Block::isPing).count() >= 5, "pings while waiting: " + blocks);
            String last = blocks.get(blocks.size() - 1).text();
            assertTrue(last.startsWith("data: {\"error\":"), last);
            assertEquals("idle_timeout", JSON.readTree(last.substring("data: ".length())).path("error").path("code").asText());
            assertTrue(blocks.subList(0, blocks.size() - 1).stream().allMatch(Block::isPing), "only pings before the error");
            ByteUpstream.Seen conn = upstream.next(WAIT);
            assertTrue(conn.closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the silent upstream was left open");
            assertTrue(relay.awaitLog("reason=idle_timeout", WAIT), relay.log());
            assertTrue(relay.awaitNoThreads(WAIT));
            assertEquals(0, relay.server().activeExchanges());
        }
    }

    // ---- malformed SSE, binary garbage, CR / CRLF line endings ----

    @Test
    void garbageInAChunkedEventStreamPassesThroughByteIdentical() throws Exception {
        Random random = new Random(20261125);
        byte[] garbage = garbage(random, 64 * 1024);
        byte[] done = "\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        sent.writeBytes(garbage);
        sent.writeBytes(done);
        byte[] expected = sent.toByteArray();
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    Random split = new Random(7);
                    int at = 0;
                    while (at < garbage.length) {
                        int n = Math.min(garbage.length - at, 1 + split.nextInt(3000));
                        conn.chunk(java.util.Arrays.copyOfRange(garbage, at, at + n));
                        at += n;
                    }
                    conn.chunk(done).end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), Duration.ofSeconds(30),
                        StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(200, client.status);
            byte[] received = client.body().readAllBytes(); // a cut chunked body would throw here
            assertBytesEqual(expected, received);
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
            assertTrue(upstream.awaitAllClosed(WAIT));
            assertTrue(relay.awaitNoThreads(WAIT));
        }
    }

    @Test
    void garbageInAContentLengthEventStreamPassesThroughByteIdenticalAndEndsAtItsLength() throws Exception {
        byte[] body = garbage(new Random(42), 48 * 1024);
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        response.writeBytes(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: " + body.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        response.writeBytes(body);
        // the upstream keeps the connection open after the body: relay must stop at Content-Length
        try (ByteUpstream upstream = new ByteUpstream(response.toByteArray());
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), Duration.ofSeconds(30),
                        StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(200, client.status);
            assertEquals("text/event-stream", client.header("content-type"));
            assertBytesEqual(body, client.body().readAllBytes());
            assertTrue(relay.awaitLog("reason=eof", WAIT), relay.log());
            upstream.next(WAIT);
            assertTrue(Await.until(() -> relay.server().idleUpstreamConnections() == 1, WAIT),
                    "relay stopped at the Content-Length and kept the connection for the next request");
            assertTrue(relay.awaitNoThreads(WAIT));
        }
    }

    /**
     * Random bytes (NUL, invalid UTF-8, lone CRs and LFs), lines that are no SSE field, and well-formed
     * events with LF, CRLF and CR endings, mixed; never a {@code [DONE]} (that would end the stream early).
     */
    private static byte[] garbage(Random random, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] endings = {"\n", "\r\n", "\r"};
        byte[][] invalidUtf8 = {
            {(byte) 0xC3, 0x28}, {(byte) 0xA0, (byte) 0xA1}, {(byte) 0xE2, 0x28, (byte) 0xA1},
            {(byte) 0xF0, (byte) 0x90, 0x28, (byte) 0xBC}, {(byte) 0xFF, (byte) 0xFE}, {(byte) 0xC0, (byte) 0x80},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
        int n = 0;
        while (out.size() < size) {
            String end = endings[random.nextInt(endings.length)];
            switch (random.nextInt(9)) {
                case 0 -> {
                    byte[] bytes = new byte[1 + random.nextInt(300)];
                    random.nextBytes(bytes);
                    out.writeBytes(bytes);
                }
                case 1 -> out.writeBytes(("data: {\"n\":" + n++ + "}" + end + end).getBytes(StandardCharsets.UTF_8));
                case 2 -> out.writeBytes(("this line has no field name at all" + end).getBytes(StandardCharsets.UTF_8));
                case 3 -> {
                    out.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII));
                    out.writeBytes(invalidUtf8[random.nextInt(invalidUtf8.length)]);
                    out.writeBytes((end + end).getBytes(StandardCharsets.US_ASCII));
                }
                case 4 -> out.writeBytes(("event: delta\r\nid: " + n++ + "\r\ndata: crlf é ✓\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                case 5 -> out.writeBytes(("data: cr only\rdata: second line\r\r").getBytes(StandardCharsets.UTF_8));
                case 6 -> out.writeBytes((": a comment" + end + "retry: 1000" + end + end).getBytes(StandardCharsets.UTF_8));
                case 7 -> out.writeBytes(new byte[] {'d', 'a', 't', 'a', ':', 0, 0, ' ', 0, '\n', '\n'});
                default -> out.writeBytes((":" + end + "data" + end + "data:" + end + end).getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] bytes = out.toByteArray();
        assertFalse(new String(bytes, StandardCharsets.ISO_8859_1).contains("[DONE]"), "regenerate: the seed made a [DONE]");
        return bytes;
    }

    private static void assertBytesEqual(byte[] expected, byte[] received) {
        if (!java.util.Arrays.equals(expected, received)) {
            int at = java.util.Arrays.mismatch(expected, received);
            throw new AssertionError("the client received " + received.length + " bytes for " + expected.length
                    + " sent; first difference at byte " + at + ": sent "
                    + printable(expected, at) + ", received " + printable(received, at));
        }
    }

    private static String printable(byte[] bytes, int at) {
        int from = Math.max(0, at - 20);
        int to = Math.min(bytes.length, at + 20);
        return java.util.HexFormat.of().formatHex(bytes, from, Math.max(from, to));
    }

    // ---- compression ----

    @Test
    void gzipBodyOfANonStreamResponsePassesThroughWithItsHeaders() throws Exception {
        String json = "{\"id\":\"chatcmpl-1\",\"choices\":[{\"message\":{\"content\":\"" + "héllo ✓ ".repeat(500) + "\"}}]}";
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(json.getBytes(StandardCharsets.UTF_8));
        }
        byte[] gz = zipped.toByteArray();
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        response.writeBytes(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                + "Vary: Accept-Encoding\r\nContent-Length: " + gz.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        response.writeBytes(gz);
        try (ByteUpstream upstream = new ByteUpstream(response.toByteArray());
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)));
                TestClient client = relay.client().post("/v1/chat/completions", REQUEST, "Accept-Encoding: gzip")) {
            assertEquals(200, client.status);
            assertEquals("gzip", client.header("content-encoding"));
            assertEquals(String.valueOf(gz.length), client.header("content-length"));
            byte[] received = client.body().readAllBytes();
            assertBytesEqual(gz, received);
            try (InputStream unzipped = new GZIPInputStream(new java.io.ByteArrayInputStream(received))) {
                assertEquals(json, new String(unzipped.readAllBytes(), StandardCharsets.UTF_8));
            }
            ByteUpstream.Seen seen = upstream.next(WAIT);
            assertEquals("gzip", seen.header("accept-encoding"), "a non-stream request keeps the client's Accept-Encoding");
            assertTrue(relay.awaitLog("reason=eof", WAIT), relay.log());
            assertTrue(Await.until(() -> relay.server().idleUpstreamConnections() == 1, WAIT),
                    "the complete exchange's connection is kept for the next request");
            assertTrue(relay.awaitNoThreads(WAIT));
        }
    }

    @Test
    void streamRequestAsksForIdentityEvenWhenTheClientAcceptsGzip() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk("data: [DONE]\n\n").end());
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)))) {
            for (String header : List.of("Accept-Encoding: gzip", "accept-encoding: gzip, deflate, br, zstd")) {
                try (TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST, header)) {
                    assertEquals("data: [DONE]\n\n", client.bodyText());
                    assertNull(client.header("content-encoding"));
                }
                TestUpstream.Conn conn = upstream.nextConnection(WAIT);
                assertEquals(List.of("identity"), conn.headers.get("accept-encoding"), header);
            }
            // Accept: text/event-stream makes a stream request too, whatever the body says
            try (TestClient client = relay.client().request("GET", "/v1/events", null, "Accept: text/event-stream",
                    "Accept-Encoding: gzip")) {
                assertEquals("data: [DONE]\n\n", client.bodyText());
            }
            assertEquals(List.of("identity"), upstream.nextConnection(WAIT).headers.get("accept-encoding"));
        }
    }

    // ---- client disconnects during the request body ----

    @Test
    void clientLeavingMidBodyAfterTheUpstreamWasOpenedClosesItPromptly() throws Exception {
        // "stream": true comes first, so relay opens the upstream and streams the body as it arrives
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk("data: [DONE]\n\n").end());
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)))) {
            Socket client = sendPartialBody(relay, "{\"stream\":true,\"input\":\"", 100_000, 1000);
            // the connection itself, once accepted (a counter could still read 0 while it waits in the backlog)
            TestUpstream.Conn conn = upstream.nextAccepted(WAIT); // fails if relay never opened the upstream
            long left = System.nanoTime();
            client.close();
            assertTrue(conn.awaitClosed(WAIT), "the upstream request outlived its client");
            long ms = (conn.closedNanos() - left) / 1_000_000;
            assertTrue(ms < 2000, "upstream closed " + ms + " ms after the client left");
            assertFalse(conn.requestComplete(), "the upstream got a whole request although the client left mid-body");
            assertEquals(1, upstream.accepted(), "relay opened more than one upstream connection for one request");
            assertTrue(relay.awaitLog("reason=client_gone", WAIT), relay.log());
            assertTrue(relay.awaitNoThreads(WAIT));
            assertEquals(0, relay.server().activeExchanges());
        }
    }

    @Test
    void clientLeavingMidBodyBeforeTheUpstreamWasOpenedNeverOpensIt() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk("data: [DONE]\n\n").end());
                RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(upstream.uri(), Duration.ofSeconds(5)))) {
            Socket client = sendPartialBody(relay, "{\"model\":\"m\",\"input\":\"", 100_000, 1000);
            client.close();
            assertTrue(relay.awaitLog("reason=client_gone", WAIT), relay.log());
            assertTrue(relay.awaitNoThreads(WAIT));
            assertEquals(0, relay.server().activeExchanges());
            // a sentinel stream afterwards must be the first and only request the upstream ever saw
            try (TestClient sentinel = relay.client().post("/v1/sentinel", STREAM_REQUEST)) {
                assertEquals(200, sentinel.status);
                assertEquals("data: [DONE]\n\n", sentinel.bodyText());
            }
            assertEquals("/v1/sentinel", upstream.onlyConnection(WAIT).target,
                    "a request whose client left mid-body was sent upstream");
        }
    }

    private static Socket sendPartialBody(RunningRelay relay, String start, int contentLength, int send)
            throws IOException {
        Socket socket = new Socket();
        socket.connect(relay.address(), 5000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write((start + "x".repeat(send - start.length())).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    // ---- 1000 clients connect and disconnect at random points ----

    @Test
    void thousandClientsLeavingAtRandomPointsLeaveNothingBehind() throws Exception {
        UnixOperatingSystemMXBean os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    for (int i = 0; i < 500; i++) { // 10 s of events, one every 20 ms, unless relay closes first
                        conn.chunk("data: {\"n\":" + i + "}\n\n");
                        conn.thinkFor(java.time.Duration.ofMillis(20));
                    }
                    conn.chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        ping(Duration.ofMillis(200), Duration.ofMillis(100)), StreamSettings.DEFAULTS));
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            // a first round loads every class the paths need (open jar files count as descriptors too)
            runClients(relay, clients, 0, 60);
            awaitQuiet(relay, upstream);
            long fdBefore = os.getOpenFileDescriptorCount();

            int[] modes = runClients(relay, clients, 1000, 1000);
            awaitQuiet(relay, upstream);
            assertTrue(Await.until(() -> os.getOpenFileDescriptorCount() <= fdBefore + 10, Duration.ofSeconds(40)),
                    "open file descriptors " + os.getOpenFileDescriptorCount() + ", before the clients " + fdBefore);

            for (int mode = 0; mode < modes.length; mode++) {
                assertTrue(modes[mode] > 50, "mode " + mode + " ran only " + modes[mode] + " times");
            }
            assertTrue(upstream.accepted() >= modes[3] + modes[4], "only " + upstream.accepted()
                    + " upstream requests for " + (modes[3] + modes[4]) + " streams");
            String log = relay.log();
            assertTrue(count(log, "reason=client_gone") >= modes[3] + modes[4], "client_gone "
                    + count(log, "reason=client_gone") + " for " + (modes[3] + modes[4]) + " streams left mid-way");
            assertEquals(0, count(log, "reason=internal_error"), log);
            assertEquals(0, count(log, "reason=write_timeout"), "a departed client was taken for a slow one");
        }
    }

    private static void awaitQuiet(RunningRelay relay, TestUpstream upstream) throws InterruptedException {
        assertTrue(Await.until(() -> relay.server().activeExchanges() == 0, Duration.ofSeconds(20)),
                relay.server().activeExchanges() + " exchanges still active");
        assertTrue(relay.awaitNoThreads(Duration.ofSeconds(20)), "exchange threads " + relay.server().liveExchangeThreads()
                + ", stream threads " + relay.server().liveStreamThreads());
        assertTrue(upstream.awaitAllClosed(Duration.ofSeconds(20)), upstream.open() + " upstream connections left open");
    }

    /** Runs {@code n} clients, 64 at a time, each leaving at a random point; returns how often each mode ran. */
    private static int[] runClients(RunningRelay relay, ExecutorService executor, long seed, int n) throws Exception {
        Semaphore slots = new Semaphore(64);
        AtomicInteger[] counts = new AtomicInteger[6];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new AtomicInteger();
        }
        List<Future<?>> runs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Random random = new Random(seed * 1_000_003 + i);
            slots.acquire();
            runs.add(executor.submit(() -> {
                try {
                    int mode = random.nextInt(6);
                    counts[mode].incrementAndGet();
                    churn(relay, random, mode);
                    return null;
                } finally {
                    slots.release();
                }
            }));
        }
        for (Future<?> run : runs) {
            run.get(60, TimeUnit.SECONDS);
        }
        int[] result = new int[counts.length];
        for (int i = 0; i < counts.length; i++) {
            result[i] = counts[i].get();
        }
        return result;
    }

    private static void churn(RunningRelay relay, Random random, int mode) throws IOException {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n";
        switch (mode) {
            case 0 -> { // connects, says nothing, leaves
                try (Socket socket = new Socket()) {
                    socket.connect(relay.address(), 5000);
                }
            }
            case 1 -> { // leaves in the middle of its request line or headers
                try (Socket socket = new Socket()) {
                    socket.connect(relay.address(), 5000);
                    String partial = head + "Content-Length: 30\r\n";
                    socket.getOutputStream().write(partial.substring(0, 1 + random.nextInt(partial.length() - 1))
                            .getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                }
            }
            case 2 -> { // leaves in the middle of its body (after relay may have opened the upstream)
                try (Socket socket = new Socket()) {
                    socket.connect(relay.address(), 5000);
                    String body = "{\"stream\":true,\"input\":\"" + "x".repeat(5000) + "\"}";
                    String request = head + "Content-Length: " + body.length() + "\r\n\r\n"
                            + body.substring(0, random.nextInt(body.length()));
                    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                }
            }
            case 3 -> { // reads a few events of a flowing stream, leaves
                try (TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
                    assertEquals(200, client.status);
                    int events = 1 + random.nextInt(4);
                    for (int i = 0; i < events; i++) {
                        assertNotNull(client.nextBlock());
                    }
                }
            }
            case 4 -> { // leaves as soon as the response starts
                try (TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
                    assertEquals(200, client.status);
                }
            }
            default -> { // sends a whole request and leaves without reading anything
                try (Socket socket = new Socket()) {
                    socket.connect(relay.address(), 5000);
                    socket.getOutputStream().write((head + "Content-Length: " + STREAM_REQUEST.length() + "\r\n\r\n"
                            + STREAM_REQUEST).getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                }
            }
        }
    }

    // ---- helpers ----

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** Asserts relay's own error: status, JSON content type, and {"error":{"message","type","code"}}. */
    private static JsonNode assertErrorResponse(TestClient client, int status, String code) throws IOException {
        assertEquals(status, client.status);
        String type = client.header("content-type");
        assertNotNull(type, "error without Content-Type");
        assertTrue(type.toLowerCase(Locale.ROOT).startsWith("application/json"), type);
        return relay.testing.ErrorShape.assertJson(client.bodyText(), code);
    }

    /**
     * An upstream on a raw socket that answers every request with the same bytes, exactly as given (binary
     * bodies, any framing), or, with {@code null}, never answers. It keeps each connection open until relay
     * closes it, and records when that happens.
     */
    private static final class ByteUpstream implements AutoCloseable {
        private final ServerSocket server;
        private final byte[] response;
        private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

        /** One connection: the request head relay sent, and when relay closed the connection. */
        static final class Seen {
            final String head;
            final CountDownLatch closed = new CountDownLatch(1);

            Seen(String head) {
                this.head = head;
            }

            String header(String name) {
                for (String line : head.split("\r\n")) {
                    int colon = line.indexOf(':');
                    if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                        return line.substring(colon + 1).trim();
                    }
                }
                return null;
            }
        }

        ByteUpstream(byte[] response) throws IOException {
            this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
            this.response = response;
            Thread.ofPlatform().daemon().name("byte-upstream-accept").start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
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

        Seen next(Duration timeout) throws InterruptedException {
            Seen conn = seen.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (conn == null) {
                throw new AssertionError("relay opened no upstream connection within " + timeout);
            }
            return conn;
        }

        private void serve(Socket socket) {
            Seen conn = null;
            try (socket) {
                InputStream in = new BufferedInputStream(socket.getInputStream());
                if (response == null) {
                    conn = new Seen("");
                    seen.add(conn);
                } else {
                    ByteArrayOutputStream head = new ByteArrayOutputStream();
                    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b == -1) {
                            throw new IOException("eof in request head");
                        }
                        head.write(b);
                    }
                    conn = new Seen(head.toString(StandardCharsets.ISO_8859_1));
                    String length = conn.header("content-length");
                    in.readNBytes(length == null ? 0 : Integer.parseInt(length));
                    seen.add(conn);
                    socket.getOutputStream().write(response);
                    socket.getOutputStream().flush();
                }
                while (in.read() != -1) {
                    // hold the connection until relay closes it
                }
            } catch (IOException e) {
                // relay closed or reset the connection
            } finally {
                if (conn != null) {
                    conn.closed.countDown();
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
