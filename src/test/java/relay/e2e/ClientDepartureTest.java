package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.launch.JvmOptions;
import relay.testing.Await;
import relay.testing.ProcessRelay;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * A client that leaves (FIN or RST) is noticed at once, whatever the exchange is doing: its upstream
 * connection is closed within a bound far below one ping interval (5 s here: the old way, a failed
 * write, takes two), and the watch never touches a byte of a connection whose client stays.
 */
class ClientDepartureTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final String PLAIN_REQUEST = "{\"model\":\"m\"}";
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Long enough that only the watch, not a failed ping write, can close the upstream within the bound. */
    private static final Duration INTERVAL = Duration.ofSeconds(5);
    /** Generous for a loaded 2-core machine; the typical figure is in docs/benchmarks.md ("Issue 11"). */
    private static final long BOUND_MS = 250;

    enum Leave {
        FIN, RST;

        void leave(TestClient client) throws IOException {
            if (this == FIN) {
                client.close();
            } else {
                client.reset();
            }
        }
    }

    private static PingSettings ping(Duration grace) {
        return new PingSettings(true, INTERVAL, Duration.ofSeconds(2), grace, "PING");
    }

    private static RunningRelay relay(TestUpstream upstream, Duration grace) throws IOException {
        return new RunningRelay(TestConfigs.with(upstream.uri(), ping(grace), StreamSettings.DEFAULTS));
    }

    /** The client leaves now; its upstream connection must close within the bound, and nothing stays behind. */
    private static void leaveAndExpectCancelled(Leave how, TestClient client, TestUpstream.Conn conn, RunningRelay relay)
            throws Exception {
        assertFalse(conn.isClosed(), "upstream closed before the client left");
        long left = System.nanoTime();
        how.leave(client);
        assertTrue(conn.awaitClosed(WAIT), "upstream never closed");
        long ms = (conn.closedNanos() - left) / 1_000_000;
        assertTrue(ms <= BOUND_MS, "upstream closed " + ms + " ms after the client left (" + how + ")");
        assertTrue(relay.awaitLog("reason=client_gone", WAIT), relay.log());
        assertTrue(relay.awaitNoThreads(WAIT), "threads left behind");
        assertTrue(relay.awaitNoWatches(WAIT), "a watch left behind");
    }

    @ParameterizedTest
    @EnumSource(Leave.class)
    void duringSilenceAfterTheFirstEvent(Leave how) throws Exception {
        try (TestUpstream upstream = new TestUpstream(ClientDepartureTest::oneEventThenSilent);
                RunningRelay relay = relay(upstream, Duration.ofSeconds(1))) {
            assertTrue(relay.server().watchesClients());
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals("data: {\"n\":1}\n\n", client.nextBlock().text());
            leaveAndExpectCancelled(how, client, upstream.nextConnection(WAIT), relay);
        }
    }

    @ParameterizedTest
    @EnumSource(Leave.class)
    void afterRelayCommittedAndBeforeTheUpstreamsHeaders(Leave how) throws Exception {
        try (TestUpstream upstream = new TestUpstream(TestUpstream.Conn::silentUntilClosed);
                RunningRelay relay = relay(upstream, Duration.ofMillis(50))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals(200, client.status); // relay's own commit after the grace; no ping due for 5 s
            leaveAndExpectCancelled(how, client, upstream.nextConnection(WAIT), relay);
            assertTrue(relay.log().contains("status=200"), relay.log());
        }
    }

    @ParameterizedTest
    @EnumSource(Leave.class)
    void duringTheHeaderGraceBeforeRelayAnswersAnything(Leave how) throws Exception {
        try (TestUpstream upstream = new TestUpstream(TestUpstream.Conn::silentUntilClosed);
                RunningRelay relay = relay(upstream, Duration.ofSeconds(5))) {
            TestClient client = relay.client();
            client.rawOutput().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + STREAM_REQUEST.length() + "\r\n\r\n" + STREAM_REQUEST).getBytes(StandardCharsets.UTF_8));
            TestUpstream.Conn conn = upstream.nextConnection(WAIT); // relay sent the request and waits for the head
            leaveAndExpectCancelled(how, client, conn, relay);
            assertTrue(relay.log().contains("status=499"), relay.log());
        }
    }

    @ParameterizedTest
    @EnumSource(Leave.class)
    void whileEventsFlow(Leave how) throws Exception {
        CountDownLatch flowing = new CountDownLatch(20);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    for (int i = 0; i < 100_000; i++) {
                        conn.chunk("data: {\"n\":" + i + "}\n\n");
                        flowing.countDown();
                        conn.thinkFor(Duration.ofMillis(10)); // a token every 10 ms
                    }
                });
                RunningRelay relay = relay(upstream, Duration.ofSeconds(1))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            client.nextBlock();
            assertTrue(flowing.await(5, TimeUnit.SECONDS));
            leaveAndExpectCancelled(how, client, upstream.nextConnection(WAIT), relay);
        }
    }

    @ParameterizedTest
    @EnumSource(Leave.class)
    void duringALongNonStreamCall(Leave how) throws Exception {
        try (TestUpstream upstream = new TestUpstream(TestUpstream.Conn::silentUntilClosed);
                RunningRelay relay = relay(upstream, Duration.ofMillis(100))) {
            TestClient client = relay.client();
            client.rawOutput().write(("POST /v1/images/generations HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + PLAIN_REQUEST.length() + "\r\n\r\n" + PLAIN_REQUEST).getBytes(StandardCharsets.UTF_8));
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            // past the grace the call is a long one, and its client is watched
            assertTrue(Await.until(() -> relay.server().watchedClients() == 1, WAIT), "long call not watched");
            String metrics = metrics(relay);
            assertTrue(metrics.contains("\nrelay_client_watches 1.0\n"), metrics);
            assertTrue(metrics.contains("\nrelay_client_watch_active 1.0\n"), metrics);
            leaveAndExpectCancelled(how, client, conn, relay);
            assertTrue(relay.log().contains("status=499"), relay.log());
        }
    }

    @ParameterizedTest
    @EnumSource(Leave.class)
    void anEventStreamAnsweringANonStreamRequestIsWatchedToo(Leave how) throws Exception {
        try (TestUpstream upstream = new TestUpstream(ClientDepartureTest::oneEventThenSilent);
                RunningRelay relay = relay(upstream, Duration.ofSeconds(1))) {
            TestClient client = relay.client().post("/v1/chat/completions", PLAIN_REQUEST);
            assertEquals("data: {\"n\":1}\n\n", client.nextBlock().text());
            leaveAndExpectCancelled(how, client, upstream.nextConnection(WAIT), relay);
        }
    }

    @Test
    void aHalfCloseCountsAsGoneAsInNginx() throws Exception {
        try (TestUpstream upstream = new TestUpstream(ClientDepartureTest::oneEventThenSilent);
                RunningRelay relay = relay(upstream, Duration.ofSeconds(1))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            client.nextBlock();
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            client.shutdownOutput();
            assertTrue(conn.awaitClosed(WAIT), "upstream never closed");
            assertTrue(relay.awaitLog("reason=client_gone", WAIT), relay.log());
            // the client can still read: relay ended the response (no error event for a gone client)
            assertNull(client.nextBlock());
            client.close();
        }
    }

    @Test
    void aShortNonStreamCallIsNotWatchedAndKeepsItsConnection() throws Exception {
        AtomicInteger watchedDuringCall = new AtomicInteger(-1);
        RunningRelay[] holder = new RunningRelay[1];
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    watchedDuringCall.set(holder[0].server().watchedClients());
                    okJson(conn);
                });
                RunningRelay relay = relay(upstream, Duration.ofSeconds(1))) {
            holder[0] = relay;
            try (TestClient client = relay.client()) {
                for (int i = 0; i < 3; i++) {
                    client.post("/v1/chat/completions", PLAIN_REQUEST);
                    assertEquals(200, client.status);
                    assertEquals("{\"ok\":true}", client.bodyText());
                    assertEquals(0, watchedDuringCall.get(), "a short call was watched");
                }
            }
            assertEquals(3, upstream.accepted());
        }
    }

    @Test
    void aSecondRequestAfterAStreamOnTheSameConnectionIsAnswered() throws Exception {
        try (TestUpstream upstream = new TestUpstream(ClientDepartureTest::byPath);
                RunningRelay relay = relay(upstream, Duration.ofSeconds(1));
                TestClient client = relay.client()) {
            for (int round = 0; round < 2; round++) {
                client.post("/v1/chat/completions", STREAM_REQUEST);
                assertEquals(200, client.status);
                assertEquals(List.of("data: {\"n\":1}\n\n", "data: [DONE]\n\n"),
                        client.remainingBlocks().stream().map(TestClient.Block::text).toList());
                assertTrue(relay.awaitNoWatches(WAIT));
                client.post("/v1/plain", PLAIN_REQUEST);
                assertEquals(200, client.status);
                assertEquals("{\"ok\":true}", client.bodyText());
            }
            assertFalse(relay.log().contains("client_gone"), relay.log());
        }
    }

    @Test
    void pipelinedRequestsAreAllAnsweredInOrder() throws Exception {
        try (TestUpstream upstream = new TestUpstream(ClientDepartureTest::byPath);
                RunningRelay relay = relay(upstream, Duration.ofSeconds(1));
                TestClient client = relay.client()) {
            String stream = request("/v1/chat/completions", STREAM_REQUEST);
            String plain = request("/v1/plain", PLAIN_REQUEST);
            client.rawOutput().write((stream + plain + stream).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 2; i++) {
                client.readResponse("POST");
                assertEquals(200, client.status);
                assertEquals("text/event-stream", client.header("content-type"));
                assertEquals(List.of("data: {\"n\":1}\n\n", "data: [DONE]\n\n"),
                        client.remainingBlocks().stream().map(TestClient.Block::text).toList());
                if (i == 0) {
                    client.readResponse("POST");
                    assertEquals(200, client.status);
                    assertEquals("{\"ok\":true}", client.bodyText());
                }
            }
            assertFalse(relay.log().contains("client_gone"), relay.log());
            assertTrue(relay.awaitNoWatches(WAIT));
        }
    }

    @Test
    void aRequestPipelinedWhileAStreamIsSilentIsNotADeparture() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    if (URI.create(conn.target).getPath().equals("/v1/plain")) {
                        okJson(conn);
                        return;
                    }
                    conn.sseHead().chunk("data: {\"n\":1}\n\n");
                    release.await(); // silent until the client's next request is on the wire
                    conn.chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(1), "PING"),
                        StreamSettings.DEFAULTS));
                TestClient client = relay.client()) {
            client.post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals("data: {\"n\":1}\n\n", client.nextBlock().text());
            client.rawOutput().write(request("/v1/plain", PLAIN_REQUEST).getBytes(StandardCharsets.UTF_8));
            client.rawOutput().flush();
            // pings written after the pipelined bytes reached relay's socket: the stream is still alive
            assertTrue(client.nextBlock().isPing());
            assertTrue(client.nextBlock().isPing());
            assertFalse(upstream.nextConnection(WAIT).isClosed(), "the stream was cut by its client's next request");
            release.countDown();
            assertEquals("data: [DONE]\n\n", client.nextBlock().text());
            assertNull(client.nextBlock());
            client.readResponse("POST");
            assertEquals(200, client.status);
            assertEquals("{\"ok\":true}", client.bodyText());
            assertFalse(relay.log().contains("client_gone"), relay.log());
        }
    }

    @Test
    void withTheInternalsOutOfReachRelayLogsOnceAndNoticesAtTheNextFailedWrite() throws Exception {
        Duration interval = Duration.ofMillis(200);
        try (TestUpstream upstream = new TestUpstream(ClientDepartureTest::oneEventThenSilent);
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        new PingSettings(true, interval, Duration.ofSeconds(2), Duration.ofSeconds(1), "PING"),
                        StreamSettings.DEFAULTS), () -> {
                            throw new IllegalAccessException("simulated: sun.net.httpserver is not open to relay");
                        })) {
            assertFalse(relay.server().watchesClients());
            for (int i = 0; i < 3; i++) {
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
                assertEquals("data: {\"n\":1}\n\n", client.nextBlock().text());
                TestUpstream.Conn conn = upstream.nextConnection(WAIT);
                client.close();
                // as before the watch: the second ping after the client left fails
                assertTrue(conn.awaitClosed(WAIT), "upstream never closed");
            }
            assertTrue(relay.awaitNoThreads(WAIT));
            String log = relay.log();
            assertEquals(1, log.split("client watch unavailable", -1).length - 1, log);
            assertTrue(log.contains("simulated: sun.net.httpserver is not open to relay"), log);
            assertEquals(3, log.split("reason=client_gone", -1).length - 1, log);
            assertTrue(metrics(relay).contains("\nrelay_client_watch_active 0.0\n"));
        }
    }

    @Test
    void aJvmStartedWithoutTheOpensLogsTheFallbackAndServes(@TempDir Path dir) throws Exception {
        List<String> withoutWatch = JvmOptions.REQUIRED.stream().filter(o -> !JvmOptions.CLIENT_WATCH.contains(o)).toList();
        try (TestUpstream upstream = new TestUpstream(ClientDepartureTest::byPath);
                ProcessRelay relay = ProcessRelay.start(dir, processConfig(upstream), withoutWatch)) {
            try (TestClient client = TestClient.connect(relay.address(), WAIT)) {
                client.post("/v1/chat/completions", STREAM_REQUEST);
                assertEquals(List.of("data: {\"n\":1}\n\n", "data: [DONE]\n\n"),
                        client.remainingBlocks().stream().map(TestClient.Block::text).toList());
            }
            String output = relay.output();
            assertEquals(1, output.split("client watch unavailable", -1).length - 1, output);
            assertTrue(output.contains("client_watch=off"), output);
        }
    }

    @Test
    void aJvmStartedWithRelaysOptionsWatchesWithoutAWarning(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = new TestUpstream(ClientDepartureTest::byPath);
                ProcessRelay relay = ProcessRelay.start(dir, processConfig(upstream))) {
            String output = relay.output();
            assertTrue(output.contains("client_watch=on"), output);
            assertFalse(output.contains("WARNING"), output); // no restricted-method or illegal-access warning
            assertFalse(output.contains("client watch unavailable"), output);
        }
    }

    private static String metrics(RunningRelay relay) throws IOException {
        try (TestClient client = relay.client().request("GET", "/metrics", null)) {
            return client.bodyText();
        }
    }

    /** Streams one event, then says nothing until relay closes the connection. */
    private static void oneEventThenSilent(TestUpstream.Conn conn) throws IOException {
        conn.sseHead().chunk("data: {\"n\":1}\n\n");
        conn.silentUntilClosed();
    }

    /** A relay process's config: one route to {@code upstream}, on the port ProcessRelay picks. */
    private static String processConfig(TestUpstream upstream) {
        return """
                [server]
                listen = "127.0.0.1:${PORT}"
                [[routes]]
                prefix = "/v1"
                upstream = "%s"
                """.formatted(upstream.uri());
    }

    private static String request(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    private static void byPath(TestUpstream.Conn conn) throws IOException {
        if (URI.create(conn.target).getPath().equals("/v1/plain")) {
            okJson(conn);
        } else {
            conn.sseHead().chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end();
        }
    }

    private static void okJson(TestUpstream.Conn conn) throws IOException {
        String body = "{\"ok\":true}";
        conn.head(200, "Content-Type: application/json", "Content-Length: " + body.length()).raw(body);
    }
}
