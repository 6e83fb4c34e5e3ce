package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.PingSettings;
import relay.config.Route;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * Gemini's {@code :streamGenerateContent?alt=sse}: a stream request by its path (its body has no
 * stream flag), pinged while the upstream is silent, its late failure in Google's error shape and
 * its usage from the last {@code usageMetadata}.
 */
class GeminiTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final PingSettings PING = new PingSettings(true, Duration.ofMillis(100), Duration.ofMillis(200),
            Duration.ofMillis(100), "PING");
    private static final String PATH = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";
    private static final String REQUEST = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}";
    private static final String CHUNK_1 = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":1,\"totalTokenCount\":5},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n";
    private static final String CHUNK_2 = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"lo\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":2,\"thoughtsTokenCount\":3,\"totalTokenCount\":9},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n";

    /** One route "/" to {@code upstream}: Gemini's paths start with /v1beta. */
    private static Config config(TestUpstream upstream) {
        Config base = TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS);
        Route r = base.routes().getFirst();
        Route root = new Route("/", r.target(), r.headers(), r.ping(), r.errors());
        return new Config(base.source(), base.server(), base.ping(), base.upstream(), base.stream(), base.demo(),
                List.of(root));
    }

    @Test
    void aSilentUpstreamIsPingedBeforeItsHeadersAndItsLateFailureIsInGooglesShape() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.thinkFor(Duration.ofMillis(700)); // past the 200 ms grace: relay commits and pings
                    conn.sseHead().chunk(CHUNK_1);
                    conn.reset();
                });
                RunningRelay relay = new RunningRelay(config(upstream))) {
            TestClient client = relay.client().post(PATH + "?alt=sse", REQUEST);
            assertEquals(200, client.status);
            List<TestClient.Block> blocks = client.remainingBlocks();
            assertTrue(blocks.getFirst().isPing(), "pinged before the upstream's headers: " + blocks);
            assertTrue(blocks.stream().anyMatch(b -> b.text().contains("\"text\":\"Hel\"")), blocks.toString());
            // Gemini ends its events with CRLF CRLF, which the test client's LF LF split does not see
            String body = blocks.stream().map(TestClient.Block::text).reduce("", String::concat);
            assertTrue(body.endsWith("}\n\n"), "the error event ends the body: " + body);
            String last = body.substring(body.lastIndexOf("data: "));
            JsonNode error = new ObjectMapper().readTree(last.substring(6).trim()).path("error");
            assertEquals(502, error.path("code").asInt(), last);
            assertEquals("UNAVAILABLE", error.path("status").asText(), last);
            assertTrue(error.path("message").asText().length() > 0, last);
            assertEquals("identity", upstream.nextConnection(WAIT).header("Accept-Encoding"),
                    "a stream request asks for an uncompressed body");
            assertTrue(relay.awaitLog("reason=upstream_error", WAIT), relay.log());
            assertTrue(relay.log().contains("stream=true"), relay.log());
        }
    }

    @Test
    void aCompleteStreamIsRelayedUnchangedWithTheLastUsageLogged() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk(CHUNK_1).chunk(CHUNK_2).end());
                RunningRelay relay = new RunningRelay(config(upstream))) {
            TestClient client = relay.client().post(PATH + "?alt=sse", REQUEST);
            assertEquals(CHUNK_1 + CHUNK_2, client.bodyText());
            assertTrue(relay.awaitLog("reason=eof", WAIT), relay.log());
            assertTrue(relay.log().contains("tokens_in=4 tokens_out=5"), relay.log()); // candidates + thoughts
        }
    }

    /** Without alt=sse Gemini answers one JSON array: no stream, no pings, the body as it came. */
    @Test
    void withoutAltSseTheJsonArrayAnswerIsProxiedWithoutPings() throws Exception {
        String array = "[{\"candidates\":[]}]";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.thinkFor(Duration.ofMillis(500)); // past the grace: a stream request would have been pinged
                    conn.head(200, "Content-Type: application/json", "Content-Length: " + array.length()).raw(array);
                });
                RunningRelay relay = new RunningRelay(config(upstream))) {
            TestClient client = relay.client().post(PATH, REQUEST);
            assertEquals(200, client.status);
            assertEquals("application/json", client.header("Content-Type"));
            assertEquals(array, client.bodyText());
            assertTrue(relay.awaitLog("stream=false", WAIT), relay.log());
        }
    }
}
