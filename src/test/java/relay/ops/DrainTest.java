package relay.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.testing.Await;
import relay.testing.ProcessRelay;
import relay.testing.TestClient;
import relay.testing.TestUpstream;

/** SIGTERM: relay stops taking work, lets streams finish for drain_timeout, ends the rest in-band, exits 0. */
class DrainTest {
    private static final int STREAMS = 100;

    @Test
    void sigtermLetsShortStreamsFinishAndEndsLongOnesWithShutdown(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: first\n\n");
                    if (conn.target.endsWith("/short")) {
                        for (int i = 0; i < 5; i++) {
                            conn.thinkFor(java.time.Duration.ofMillis(100)); // finishes about 500 ms into the 2 s drain
                            conn.chunk("data: " + i + "\n\n");
                        }
                        conn.chunk("data: [DONE]\n\n").end();
                    } else {
                        conn.silentUntilClosed();
                    }
                });
                ProcessRelay relay = ProcessRelay.start(dir, """
                        [server]
                        listen = "127.0.0.1:${PORT}"
                        drain_timeout = "2s"
                        [ping]
                        interval = "300ms"
                        [log]
                        format = "text"
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        """.formatted(upstream.uri()));
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch started = new CountDownLatch(STREAMS);
            List<Future<List<TestClient.Block>>> results = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                String path = i % 2 == 0 ? "/v1/short" : "/v1/long";
                results.add(clients.submit(() -> {
                    try (TestClient client = relay.client().post(path, "{\"stream\":true}")) {
                        List<TestClient.Block> blocks = new ArrayList<>();
                        blocks.add(client.nextBlock());
                        started.countDown();
                        blocks.addAll(client.remainingBlocks());
                        return blocks;
                    }
                }));
            }
            assertTrue(started.await(20, TimeUnit.SECONDS), "streams did not start");
            long signalled = System.nanoTime();
            relay.process().destroy(); // SIGTERM

            // while draining, probes are answered (the signal takes a moment to arrive) and new work is refused
            assertTrue(Await.until(() -> status(relay, "/readyz") == 503, Duration.ofSeconds(5)), "/readyz stayed ready");
            try (TestClient late = relay.client().post("/v1/short", "{\"stream\":true}")) {
                assertEquals(503, late.status);
            }

            assertTrue(relay.process().waitFor(10, TimeUnit.SECONDS), "relay did not exit");
            long exitMs = (System.nanoTime() - signalled) / 1_000_000;
            assertEquals(0, relay.process().exitValue(), relay.output());
            assertTrue(exitMs <= 2000 + 2000, "exit took " + exitMs + " ms");

            for (int i = 0; i < STREAMS; i++) {
                List<TestClient.Block> blocks = results.get(i).get(10, TimeUnit.SECONDS);
                String last = blocks.get(blocks.size() - 1).text();
                if (i % 2 == 0) {
                    assertEquals("data: [DONE]\n\n", last, "a stream that could finish was cut");
                } else {
                    assertTrue(last.contains("\"code\":\"shutdown\""), "long stream ended without the shutdown event: " + last);
                }
            }
            assertTrue(upstream.awaitAllClosed(Duration.ofSeconds(5)), upstream.open() + " upstream connections left open");
            String log = relay.output();
            assertEquals(STREAMS / 2, count(log, "reason=shutdown"), log);
        }
    }

    private static int status(ProcessRelay relay, String path) {
        try (TestClient probe = relay.client().request("GET", path, null)) {
            return probe.status;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
