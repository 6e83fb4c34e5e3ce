package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
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
                run.get(60, TimeUnit.SECONDS); // a stream that never ends fails here instead of hanging the build
            }
            // accepted() and awaitAllClosed() first take every connection still in the upstream's backlog
            assertEquals(8 * ENDINGS.size(), upstream.accepted(), "one upstream connection per stream, no more");
            assertTrue(upstream.awaitAllClosed(Duration.ofSeconds(15)), upstream.open() + " upstream connections left open");
            // threads count from their creation, so one made but not yet started keeps this false
            assertTrue(relay.awaitNoThreads(Duration.ofSeconds(15)), "exchange threads " + relay.server().liveExchangeThreads()
                    + ", stream threads " + relay.server().liveStreamThreads());
            assertEquals(0, relay.server().activeExchanges(), "exchanges still admitted");
            for (String reason : List.of("done", "eof", "upstream_error", "idle_timeout", "line_too_long", "max_duration",
                    "client_gone")) {
                assertTrue(relay.log().contains("reason=" + reason), "no stream ended with " + reason + ":\n" + relay.log());
            }
        }
        // platform threads: every one started during the test (the JDK server's dispatcher, ...) is gone once
        // relay is closed, except the JVM's own shared pools, which start on first use and stay: compared by
        // identity and name, so neither the order the test classes run in nor a carrier's idle timeout counts
        assertTrue(Await.until(() -> startedSince(threadsBefore).isEmpty(), Duration.ofSeconds(10)),
                () -> "platform threads left behind: " + startedSince(threadsBefore));
    }

    /** JVM-wide threads that start lazily and outlive any one user: not relay's to stop. */
    private static final List<String> SHARED_POOLS = List.of(
            "ForkJoinPool-", // the virtual-thread scheduler: carriers and its delay scheduler
            "ForkJoinPool.commonPool-", // StructuredTaskScope timeouts run there
            "MasterPoller", "Read-Poller", "Write-Poller", "VirtualThread-unblocker", // virtual-thread I/O and timed parks
            "prometheus-metrics-scheduler-"); // the Prometheus client's one static scheduler

    private static List<String> startedSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> !before.contains(thread))
                .map(Thread::getName)
                .filter(name -> SHARED_POOLS.stream().noneMatch(name::startsWith))
                .sorted()
                .toList();
    }
}
