package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.config.PingSettings;
import relay.config.RetrySettings;
import relay.config.StreamSettings;
import relay.testing.NodeScripts;
import relay.testing.RunningRelay;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * The official OpenAI and Anthropic SDKs (Node, versions pinned in src/test/js/package-lock.json)
 * raise relay's in-band error event as an error instead of ending the stream normally.
 */
class SdkErrorTest {
    private static final PingSettings PING =
            new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMillis(100), "PING");

    @BeforeAll
    static void installSdks() throws Exception {
        NodeScripts.install("openai", "@anthropic-ai/sdk");
    }

    private static String outcome(String sdk, String baseUrl) throws Exception {
        NodeScripts.Result result = NodeScripts.run(List.of("node", "stream-outcome.mjs", sdk, baseUrl),
                Duration.ofSeconds(60));
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
    void openAiSdkCompletesAResponsesStream() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead()
                        .chunk(ResponsesStreams.STARTED).chunk(ResponsesStreams.COMPLETED).end());
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS))) {
            assertEquals("COMPLETED 3", outcome("responses", "http://127.0.0.1:" + relay.address().getPort() + "/v1"));
        }
    }

    /** A reset after the first events becomes the Responses API's error event, which the SDK raises. */
    @Test
    void openAiSdkRaisesAResponsesStreamResetMidway() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk(ResponsesStreams.STARTED);
                    conn.reset();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS))) {
            String outcome = outcome("responses", "http://127.0.0.1:" + relay.address().getPort() + "/v1");
            assertTrue(outcome.startsWith("ERROR APIError"), outcome);
        }
    }

    /** A body that ends cleanly without response.completed is a cut: the SDK raises it instead of completing. */
    @Test
    void openAiSdkRaisesAResponsesStreamThatEndsWithoutItsTerminalEvent() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk(ResponsesStreams.STARTED).end());
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS))) {
            String outcome = outcome("responses", "http://127.0.0.1:" + relay.address().getPort() + "/v1");
            assertTrue(outcome.startsWith("ERROR APIError") && outcome.contains("without response.completed"), outcome);
        }
    }

    /** keepalive_json: both SDKs parse a non-stream answer that relay kept alive with leading spaces. */
    @Test
    void bothSdksParseANonStreamAnswerKeptAliveWithSpaces() throws Exception {
        String message = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":"
                + "\"text\",\"text\":\"hello\"}],\"model\":\"m\",\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.thinkFor(Duration.ofMillis(700)); // past the 200 ms grace: relay commits 200 and writes spaces
                    String body = conn.target.endsWith("/messages") ? message : KeepaliveJsonTest.COMPLETION;
                    conn.head(200, "Content-Type: application/json", "Content-Length: " + body.length()).raw(body);
                });
                RunningRelay relay = new RunningRelay(KeepaliveJsonTest.keepalive(upstream, true, Duration.ofSeconds(30)))) {
            String base = "http://127.0.0.1:" + relay.address().getPort();
            assertEquals("JSON chatcmpl-1 hello", outcome("openai-json", base + "/v1"));
            assertEquals("JSON msg_1 hello", outcome("anthropic-json", base));
            assertTrue(relay.log().matches("(?s).*pings=[1-9].*pings=[1-9].*"), "both were kept alive: " + relay.log());
        }
    }

    /** An SDK whose own retries are off completes a stream whose first upstream answered 429: relay moved on. */
    @Test
    void openAiSdkCompletesAStreamWhoseFirstUpstreamAnswered429() throws Exception {
        String limited = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}";
        try (TestUpstream first = new TestUpstream(conn -> conn.head(429, "Content-Type: application/json",
                        "Content-Length: " + limited.length()).raw(limited));
                TestUpstream second = new TestUpstream(conn -> conn.sseHead()
                        .chunk("data: {\"id\":\"1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n")
                        .chunk("data: [DONE]\n\n").end());
                RunningRelay relay = new RunningRelay(TestConfigs.failover(PING, StreamSettings.DEFAULTS,
                        RetrySettings.defaults(2), first.uri(), second.uri()))) {
            assertEquals("COMPLETED 1", outcome("openai", "http://127.0.0.1:" + relay.address().getPort() + "/v1"));
            assertEquals(1, first.accepted());
        }
    }

    /** The same after relay committed its own 200: the 429 came late, behind pings, and is still invisible. */
    @Test
    void anthropicSdkCompletesAStreamWhoseFirstUpstreamAnswered429AfterCommit() throws Exception {
        String overloaded = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}";
        try (TestUpstream first = new TestUpstream(conn -> {
                    conn.thinkFor(Duration.ofMillis(600)); // past the grace: relay has committed 200 and pinged
                    conn.head(429, "Content-Type: application/json", "Content-Length: " + overloaded.length())
                            .raw(overloaded);
                });
                TestUpstream second = new TestUpstream(conn -> conn.sseHead().chunk(ANTHROPIC_STREAM).end());
                RunningRelay relay = new RunningRelay(TestConfigs.failover(PING, StreamSettings.DEFAULTS,
                        RetrySettings.defaults(2), first.uri(), second.uri()))) {
            assertEquals("COMPLETED 6", outcome("anthropic", "http://127.0.0.1:" + relay.address().getPort()));
            assertTrue(relay.awaitLog("attempts=u1:429:", Duration.ofSeconds(10)), relay.log());
        }
    }

    private static final String ANTHROPIC_STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":1}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

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
