package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * The official OpenAI and Anthropic SDKs (Node, versions pinned in src/test/js/package-lock.json)
 * raise relay's in-band error event as an error instead of ending the stream normally.
 */
class SdkErrorTest {
    private static final Path JS = Path.of("src/test/js");
    private static final PingSettings PING =
            new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMillis(100), "PING");

    @BeforeAll
    static void installSdks() throws Exception {
        if (!Files.isDirectory(JS.resolve("node_modules/openai")) || !Files.isDirectory(JS.resolve("node_modules/@anthropic-ai/sdk"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Duration.ofMinutes(5));
            assertEquals(0, install.code(), "npm ci failed:\n" + install.output());
        }
    }

    private record Result(int code, String output) {
    }

    private static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(JS.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            process.destroyForcibly();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ended, command + " did not finish:\n" + output);
        return new Result(process.exitValue(), output.trim());
    }

    private static String outcome(String sdk, String baseUrl) throws Exception {
        Result result = run(List.of("node", "stream-outcome.mjs", sdk, baseUrl), Duration.ofSeconds(60));
        assertEquals(0, result.code(), result.output());
        return result.output();
    }

    @Test
    void openAiSdkCompletesANormalStream() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead()
                        .chunk("data: {\"id\":\"1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n")
                        .chunk("data: [DONE]\n\n").end());
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS))) {
            assertEquals("COMPLETED 1", outcome("openai", "http://127.0.0.1:" + relay.address().getPort() + "/v1"));
        }
    }

    @Test
    void openAiSdkRaisesAnUpstreamFailureAfterCommit() throws Exception {
        String body = "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.thinkFor(java.time.Duration.ofMillis(2000)); // far past the grace: relay has committed 200 and pinged
                    conn.head(500, "Content-Type: application/json", "Content-Length: " + body.length()).raw(body);
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS))) {
            String outcome = outcome("openai", "http://127.0.0.1:" + relay.address().getPort() + "/v1");
            assertTrue(outcome.startsWith("ERROR "), outcome);
            assertTrue(outcome.contains("upstream answered 500"), outcome);
        }
    }

    @Test
    void openAiSdkRaisesAStreamCutMidway() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"id\":\"1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[]}\n\n");
                    conn.reset();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS))) {
            String outcome = outcome("openai", "http://127.0.0.1:" + relay.address().getPort() + "/v1");
            assertTrue(outcome.startsWith("ERROR "), outcome);
        }
    }

    @Test
    void anthropicSdkRaisesAnUpstreamFailureAfterCommit() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.thinkFor(java.time.Duration.ofMillis(2000));
                    conn.head(529, "Content-Type: application/json", "Content-Length: 2").raw("{}");
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS))) {
            String outcome = outcome("anthropic", "http://127.0.0.1:" + relay.address().getPort());
            assertTrue(outcome.startsWith("ERROR "), outcome);
            assertTrue(outcome.contains("upstream answered 529"), outcome);
        }
    }
}
