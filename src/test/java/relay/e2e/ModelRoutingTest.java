package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.config.Config;
import relay.config.ConfigLoader;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestUpstream;

/** Routes within one prefix selected by the request's top-level model: exact names, '*' patterns, 404 for the rest. */
class ModelRoutingTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String OK = "{\"ok\":true}";

    @TempDir
    Path dir;

    private Config config(String toml) throws Exception {
        Config loaded = ConfigLoader.load(Files.writeString(dir.resolve("relay.toml"), toml), Map.of());
        return new Config(loaded.source(), loaded.server().withListen(new InetSocketAddress("127.0.0.1", 0)),
                loaded.ping(), loaded.upstream(), loaded.stream(), loaded.demo(), loaded.routes());
    }

    private static TestUpstream answering() throws Exception {
        return new TestUpstream(conn -> conn.head(200, "Content-Type: application/json",
                "Content-Length: " + OK.length()).raw(OK));
    }

    private static int status(RunningRelay relay, String body) throws Exception {
        TestClient client = relay.client().post("/v1/chat/completions", body);
        client.bodyText();
        return client.status;
    }

    @Test
    void theFirstRouteWhoseModelsTakeTheModelWinsAndOthersGet404() throws Exception {
        try (TestUpstream openai = answering(); TestUpstream anthropic = answering();
                RunningRelay relay = new RunningRelay(config("""
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        models = ["gpt-4o*", "o3"]
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        models = ["claude-*"]
                        """.formatted(openai.uri(), anthropic.uri())))) {
            assertEquals(200, status(relay, "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"));
            assertEquals(200, status(relay, "{\"model\":\"o3\",\"messages\":[]}"));
            // OpenAI's Python SDK writes messages before model: found past the 64 KiB read for the stream flag
            String longChat = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(200_000)
                    + "\"}],\"model\":\"claude-sonnet-4\"}";
            assertEquals(200, status(relay, longChat));
            assertEquals(2, openai.accepted());
            assertEquals(1, anthropic.accepted());
            assertEquals(longChat, anthropic.nextConnection(WAIT).bodyText(), "the whole body went upstream");

            TestClient unknown = relay.client().post("/v1/chat/completions", "{\"model\":\"o3-mini\",\"messages\":[]}");
            assertEquals(404, unknown.status, "\"o3\" is an exact name, not a prefix");
            JsonNode error = new ObjectMapper().readTree(unknown.bodyText()).path("error");
            assertEquals("model_not_found", error.path("code").asText());
            assertEquals("invalid_request_error", error.path("type").asText());
            assertTrue(error.path("message").asText().contains("model \"o3-mini\""), error.toString());
            assertEquals(404, status(relay, "{\"messages\":[]}"), "no model: no route with models takes it");
            assertEquals(2, openai.accepted());
            assertEquals(1, anthropic.accepted());
            assertTrue(relay.awaitLog("model=\"o3-mini\"", WAIT), relay.log());
            assertTrue(relay.log().contains("model=\"claude-sonnet-4\" "), relay.log());
        }
    }

    @Test
    void aLastRouteWithoutModelsTakesEveryOtherModelAndStreamsArePinged() throws Exception {
        try (TestUpstream special = answering();
                TestUpstream fallback = new TestUpstream(conn -> {
                    conn.thinkFor(Duration.ofMillis(400)); // past the grace: relay commits and pings
                    conn.sseHead().chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(config("""
                        [ping]
                        interval = "100ms"
                        header_grace = "100ms"
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        models = ["special"]
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        """.formatted(special.uri(), fallback.uri())))) {
            TestClient client = relay.client().post("/v1/chat/completions",
                    "{\"model\":\"llama-3\",\"stream\":true,\"messages\":[]}");
            assertEquals(200, client.status);
            var blocks = client.remainingBlocks();
            assertTrue(blocks.getFirst().isPing(), blocks.toString());
            assertEquals("data: [DONE]\n\n", blocks.getLast().text());
            assertEquals(0, special.accepted());
            assertEquals(1, fallback.accepted());
        }
    }

    @Test
    void aRouteWithoutModelsBeforeAnotherOfItsPrefixIsAConfigError() throws Exception {
        String toml = """
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                models = ["gpt-4o"]
                """;
        Path file = Files.writeString(dir.resolve("relay.toml"), toml);
        String message = org.junit.jupiter.api.Assertions.assertThrows(relay.config.ConfigException.class,
                () -> ConfigLoader.load(file, Map.of())).getMessage();
        assertTrue(message.startsWith(file + ":5:1: routes[1].prefix = \"/v1\": is already the prefix of routes[0]"),
                message);
        String badPattern = toml.replace("upstream = \"demo\"\nmodels = [\"gpt-4o\"]", "upstream = \"demo\"\nmodels = [\"gpt-*o\"]")
                .replaceFirst("upstream = \"demo\"\n", "upstream = \"demo\"\nmodels = [\"a\"]\n");
        Path bad = Files.writeString(dir.resolve("bad.toml"), badPattern);
        String patternMessage = org.junit.jupiter.api.Assertions.assertThrows(relay.config.ConfigException.class,
                () -> ConfigLoader.load(bad, Map.of())).getMessage();
        assertTrue(patternMessage.contains("routes[1].models[0] = \"gpt-*o\": may have one '*', at its end"),
                patternMessage);
    }
}
