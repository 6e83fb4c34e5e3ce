package relay.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.DemoSettings;
import relay.config.ErrorFormat;
import relay.config.LogSettings;
import relay.config.PingSettings;
import relay.config.Route;
import relay.config.RouteTarget;
import relay.config.ServerSettings;
import relay.config.StreamSettings;
import relay.config.UpstreamSettings;
import relay.proxy.RelayServer;
import relay.proxy.ServerProperties;
import relay.time.NanoClock;
import relay.testing.Await;
import relay.testing.TestClient;

/** /metrics counts what relay did, and the access log carries each stream's token usage. */
class MetricsTest {
    private static final int STREAMS = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Config demoConfig() {
        Route demo = new Route("/v1", new RouteTarget.Demo(), Map.of(), true, ErrorFormat.AUTO);
        return new Config(Path.of("test.toml"),
                ServerSettings.DEFAULTS.withListen(new InetSocketAddress("127.0.0.1", 0)),
                new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(1), "PING"),
                UpstreamSettings.DEFAULTS, StreamSettings.DEFAULTS,
                new DemoSettings(Duration.ofMillis(350), 4, Duration.ofMillis(20)), List.of(demo),
                new LogSettings(LogSettings.Format.JSON, LogSettings.Level.INFO));
    }

    private static String scrape(InetSocketAddress address) throws Exception {
        try (TestClient client = TestClient.connect(address, Duration.ofSeconds(10)).request("GET", "/metrics", null)) {
            assertEquals(200, client.status);
            assertTrue(client.header("content-type").startsWith("text/plain"), client.header("content-type"));
            return client.bodyText();
        }
    }

    /** The value of the sample line that starts with {@code series} (name plus labels), 0 if absent. */
    private static double value(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        return 0;
    }

    @Test
    void demoStreamsAreCountedAndTheGaugeReturnsToZero() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Config config = demoConfig();
        ServerProperties.apply(config.server());
        try (RelayServer relay = RelayServer.start(config,
                        new AccessLog(new PrintStream(log, true, StandardCharsets.UTF_8), InstantSource.system(), config.log()),
                        NanoClock.SYSTEM);
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            String before = scrape(relay.address());
            double doneBefore = value(before, "relay_streams_total{reason=\"done\",route=\"/v1\"}");
            double pingsBefore = value(before, "relay_pings_total");
            List<Future<String>> runs = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                runs.add(clients.submit(() -> {
                    try (TestClient client = TestClient.connect(relay.address(), Duration.ofSeconds(10))
                            .post("/v1/chat/completions", "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"two words\"}]}")) {
                        return client.bodyText();
                    }
                }));
            }
            for (Future<String> run : runs) {
                assertTrue(run.get().endsWith("data: [DONE]\n\n"));
            }
            assertTrue(Await.until(() -> relay.activeExchanges() == 0, Duration.ofSeconds(5)));
            String after = scrape(relay.address());
            assertEquals(STREAMS, value(after, "relay_streams_total{reason=\"done\",route=\"/v1\"}") - doneBefore, after);
            assertTrue(value(after, "relay_pings_total") - pingsBefore >= STREAMS, "each stream was silent for 3 intervals");
            assertEquals(0, value(after, "relay_active_streams"));
            assertTrue(value(after, "relay_event_write_seconds_count") >= STREAMS * 7, after);
            assertTrue(after.contains("jvm_memory_used_bytes"), "JVM metrics missing");

            String[] lines = log.toString(StandardCharsets.UTF_8).trim().split("\n");
            int withUsage = 0;
            for (String line : lines) {
                JsonNode entry = JSON.readTree(line);
                if (entry.path("stream").asBoolean()) {
                    assertEquals("done", entry.path("reason").asText());
                    assertEquals(2, entry.path("usage").path("input_tokens").asLong(), line);
                    assertEquals(4, entry.path("usage").path("output_tokens").asLong(), line);
                    assertTrue(entry.path("first_event_ms").asLong() >= 300, line);
                    assertEquals(16, entry.path("id").asText().length());
                    withUsage++;
                }
            }
            assertEquals(STREAMS, withUsage);
        }
    }
}
