package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.testing.Await;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** After many streams ending for every reason, nothing relay started for them is left: threads, upstream sockets. */
class NoLeakTest {
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final List<String> ENDINGS =
            List.of("done", "eof", "reset", "cut", "idle", "long", "max", "gone", "error429", "late500");

    private static void upstreamFor(TestUpstream.Conn conn) throws Exception {
        String ending = conn.target.substring(conn.target.lastIndexOf('/') + 1);
        switch (ending) {
            case "done" -> conn.sseHead().chunk("data: 1\n\n").chunk("data: [DONE]\n\n").silentUntilClosed();
            case "eof" -> conn.sseHead().chunk("event: a\ndata: 1\n\n").end();
            case "reset" -> {
                conn.sseHead().chunk("data: 1\n\n");
                conn.reset();
            }
            case "cut" -> {
                conn.sseHead().chunk("data: 1\n\n");
                conn.closeOutput();
            }
            case "idle" -> conn.sseHead().chunk("data: 1\n\n").silentUntilClosed();
            case "long" -> conn.sseHead().chunk("x".repeat(8192)).silentUntilClosed();
            case "max" -> {
                conn.sseHead();
                for (int i = 0; i < 1000; i++) {
                    conn.chunk("data: " + i + "\n\n");
                    conn.thinkFor(java.time.Duration.ofMillis(20)); // a steady upstream that outlives max_duration
                }
            }
            case "gone" -> conn.sseHead().chunk("data: 1\n\n").silentUntilClosed();
            case "error429" -> conn.head(429, "Content-Type: application/json", "Content-Length: 2").raw("{}");
            case "late500" -> {
                conn.thinkFor(java.time.Duration.ofMillis(150)); // past the grace: relay has committed 200
                conn.head(500, "Content-Type: application/json", "Content-Length: 2").raw("{}");
            }
            default -> throw new IllegalArgumentException(ending);
        }
    }

    @Test
    void streamsEndingForEveryReasonLeaveNoThreadsAndNoUpstreamConnections() throws Exception {
        long threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        PingSettings ping = new PingSettings(true, Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofMillis(50), "PING");
        StreamSettings stream = new StreamSettings(Duration.ofMillis(400), Duration.ofMillis(800), 4096);
        try (TestUpstream upstream = new TestUpstream(NoLeakTest::upstreamFor);
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), ping, stream));
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> runs = new ArrayList<>();
            for (int round = 0; round < 8; round++) {
                for (String ending : ENDINGS) {
                    runs.add(clients.submit(() -> {
                        try (TestClient client = relay.client().post("/v1/" + ending, STREAM_REQUEST)) {
                            if (ending.equals("gone")) {
                                client.nextBlock();
                                return null; // closing now: the client leaves mid-stream
                            }
                            client.body().readAllBytes();
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> run : runs) {
                run.get();
            }
            assertEquals(8 * ENDINGS.size(), upstream.accepted());
            assertTrue(upstream.awaitAllClosed(Duration.ofSeconds(15)), upstream.open() + " upstream connections left open");
            assertTrue(relay.awaitNoThreads(Duration.ofSeconds(15)), "exchange threads " + relay.server().liveExchangeThreads()
                    + ", stream threads " + relay.server().liveStreamThreads());
            for (String reason : List.of("done", "eof", "upstream_error", "idle_timeout", "line_too_long", "max_duration",
                    "client_gone")) {
                assertTrue(relay.log().contains("reason=" + reason), "no stream ended with " + reason + ":\n" + relay.log());
            }
        }
        // platform threads: the relay's own (server dispatcher, watchdog carrier) are gone once it is closed
        assertTrue(Await.until(() -> ManagementFactory.getThreadMXBean().getThreadCount() <= threadsBefore + 2,
                Duration.ofSeconds(10)), "platform threads grew from " + threadsBefore);
    }
}
