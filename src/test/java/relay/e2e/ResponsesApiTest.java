package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.ErrorFormat;
import relay.config.PingSettings;
import relay.config.Route;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * OpenAI's Responses API: typed events, no {@code [DONE]}, a terminal event instead. relay passes the
 * events through unchanged, calls a body that ends before its terminal event a cut, ends a cut stream
 * with the Responses {@code error} event and logs the usage of {@code response.completed}.
 */
class ResponsesApiTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final PingSettings PING = new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofMillis(100), "PING");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Config config(TestUpstream upstream) {
        return TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS);
    }

    /** The event types a client that follows only {@code type} sees, pings skipped. */
    private static List<String> types(List<TestClient.Block> blocks) throws Exception {
        List<String> types = new java.util.ArrayList<>();
        for (TestClient.Block block : blocks) {
            for (String line : block.text().split("\n")) {
                if (line.startsWith("data: ")) {
                    types.add(JSON.readTree(line.substring(6)).path("type").asText());
                }
            }
        }
        return types;
    }

    private static JsonNode lastData(List<TestClient.Block> blocks) throws Exception {
        String text = blocks.getLast().text();
        int data = text.indexOf("data: ");
        return JSON.readTree(text.substring(data + 6, text.indexOf('\n', data)));
    }

    @Test
    void aCompleteStreamIsRelayedByteForByteAndItsUsageLogged() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead()
                        .chunk(ResponsesStreams.STARTED).chunk(ResponsesStreams.COMPLETED).end());
                RunningRelay relay = new RunningRelay(config(upstream))) {
            TestClient client = relay.client().post("/v1/responses", ResponsesStreams.REQUEST);
            assertEquals(200, client.status);
            assertEquals(ResponsesStreams.STARTED + ResponsesStreams.COMPLETED, client.bodyText());
            assertTrue(relay.awaitLog("reason=eof", WAIT), relay.log());
            assertTrue(relay.log().contains("tokens_in=5 tokens_out=7 tokens_cache_read=2"), relay.log());
        }
    }

    @Test
    void aResetAfterTheFirstEventsEndsWithTheResponsesErrorEvent() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk(ResponsesStreams.STARTED);
                    conn.reset();
                });
                RunningRelay relay = new RunningRelay(config(upstream))) {
            TestClient client = relay.client().post("/v1/responses", ResponsesStreams.REQUEST);
            List<TestClient.Block> blocks = client.remainingBlocks();
            assertEquals(List.of("response.created", "response.output_text.delta", "error"), types(blocks));
            assertTrue(blocks.getLast().text().startsWith("event: error\n"), blocks.getLast().text());
            JsonNode error = lastData(blocks);
            assertEquals("upstream_error", error.path("code").asText());
            assertEquals("upstream_error", error.path("error").path("code").asText(), "the SDK reads data.error");
            assertTrue(error.path("message").asText().length() > 0, error.toString());
            assertTrue(relay.awaitLog("reason=upstream_error", WAIT), relay.log());
        }
    }

    @Test
    void aBodyThatEndsWithoutATerminalEventIsACut() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk(ResponsesStreams.STARTED).end());
                RunningRelay relay = new RunningRelay(config(upstream))) {
            TestClient client = relay.client().post("/v1/responses", ResponsesStreams.REQUEST);
            List<TestClient.Block> blocks = client.remainingBlocks();
            assertEquals(List.of("response.created", "response.output_text.delta", "error"), types(blocks));
            assertTrue(lastData(blocks).path("message").asText().contains("without response.completed"),
                    blocks.getLast().text());
            assertTrue(relay.awaitLog("reason=upstream_error", WAIT), relay.log());
            assertTrue(relay.log().contains("without response.completed"), relay.log());
        }
    }

    /** Servers that send no {@code event:} field end a stream by the data's type alone. */
    @Test
    void aTerminalTypeWithoutAnEventFieldEndsTheStreamCleanly() throws Exception {
        String started = ResponsesStreams.STARTED.replaceAll("event: [a-z._]+\n", "");
        String completed = ResponsesStreams.COMPLETED.replaceAll("event: [a-z._]+\n", "");
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk(started).chunk(completed).end());
                RunningRelay relay = new RunningRelay(config(upstream))) {
            TestClient client = relay.client().post("/v1/responses", ResponsesStreams.REQUEST);
            assertEquals(started + completed, client.bodyText());
            assertTrue(relay.awaitLog("reason=eof", WAIT), relay.log());
        }
    }

    /** {@code errors = "responses"} gives a path that does not end in /responses the same handling. */
    @Test
    void aRouteSetToResponsesUsesItOnAnyPath() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk(ResponsesStreams.STARTED).end())) {
            Config base = config(upstream);
            Route r = base.routes().getFirst();
            Route responses = new Route(r.prefix(), r.target(), r.headers(), r.ping(), ErrorFormat.RESPONSES);
            try (RunningRelay relay = new RunningRelay(new Config(base.source(), base.server(), base.ping(),
                    base.upstream(), base.stream(), base.demo(), List.of(responses)))) {
                TestClient client = relay.client().post("/v1/agents/run", ResponsesStreams.REQUEST);
                List<TestClient.Block> blocks = client.remainingBlocks();
                assertNotNull(blocks.getLast());
                assertEquals("error", types(blocks).getLast());
                assertTrue(relay.awaitLog("reason=upstream_error", WAIT), relay.log());
            }
        }
    }
}
