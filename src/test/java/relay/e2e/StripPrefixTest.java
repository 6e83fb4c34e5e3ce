package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.config.Config;
import relay.config.ConfigLoader;
import relay.config.ConfigPrinter;
import relay.config.ServerSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestUpstream;

/**
 * {@code strip_prefix}: one relay for several providers, each under its own prefix, the upstream
 * URL's path replacing the prefix as nginx's {@code proxy_pass} with a URI does.
 */
class StripPrefixTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private Config config(TestUpstream upstream) throws Exception {
        String toml = """
                [[routes]]
                prefix = "/openai"
                upstream = "%1$s/v1"
                strip_prefix = true
                [[routes]]
                prefix = "/anthropic"
                upstream = "%1$s"
                strip_prefix = true
                [[routes]]
                prefix = "/a/b"
                upstream = "%1$s/x"
                strip_prefix = true
                [[routes]]
                prefix = "/v1"
                upstream = "%1$s"
                """.formatted(upstream.uri());
        Config loaded = ConfigLoader.load(Files.writeString(dir.resolve("relay.toml"), toml), Map.of());
        ServerSettings server = loaded.server().withListen(new java.net.InetSocketAddress("127.0.0.1", 0));
        return new Config(loaded.source(), server, loaded.ping(), loaded.upstream(), loaded.stream(), loaded.demo(),
                loaded.routes());
    }

    /** The request line the upstream received for {@code path}. */
    private static String upstreamTarget(RunningRelay relay, TestUpstream upstream, String path) throws Exception {
        TestClient client = relay.client().post(path, "{}");
        assertEquals(200, client.status, path);
        client.bodyText();
        return upstream.nextConnection(WAIT).target;
    }

    @Test
    void thePrefixIsReplacedByTheUpstreamPath() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200, "Content-Type: application/json",
                        "Content-Length: 2").raw("{}"));
                RunningRelay relay = new RunningRelay(config(upstream))) {
            assertEquals("/v1/chat/completions?x=1", upstreamTarget(relay, upstream, "/openai/chat/completions?x=1"));
            assertEquals("/messages", upstreamTarget(relay, upstream, "/anthropic/messages"));
            assertEquals("/v1", upstreamTarget(relay, upstream, "/openai"), "the prefix itself is the upstream's path");
            assertEquals("/", upstreamTarget(relay, upstream, "/anthropic"), "and without one the origin's root");
            assertEquals("/v1/models", upstreamTarget(relay, upstream, "/open%61i/models"),
                    "an encoded prefix is still the prefix");
            assertEquals("/x/c%20d", upstreamTarget(relay, upstream, "/a/b/c%20d"), "the rest is passed as it came");
            assertEquals("/v1/chat/completions", upstreamTarget(relay, upstream, "/v1/chat/completions"),
                    "a route without strip_prefix keeps the whole path");
        }
    }

    @Test
    void aPathWhoseRawSegmentsDoNotSpellThePrefixIsRefused() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200, "Content-Length: 0"));
                RunningRelay relay = new RunningRelay(config(upstream))) {
            TestClient client = relay.client().post("/a%2Fb/c", "{}");
            assertEquals(400, client.status);
            assertTrue(client.bodyText().contains("\"code\":\"invalid_request_target\""));
            assertEquals(0, upstream.accepted(), "nothing went upstream");
        }
    }

    @Test
    void checkPrintsEachRoutesMappingOfASamplePath() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> { })) {
            String printed = ConfigPrinter.describe(config(upstream));
            assertTrue(printed.contains("# maps /openai/chat/completions to " + upstream.uri() + "/v1/chat/completions"),
                    printed);
            assertTrue(printed.contains("# maps /anthropic/chat/completions to " + upstream.uri() + "/chat/completions"),
                    printed);
            assertTrue(printed.contains("# maps /v1/chat/completions to " + upstream.uri() + "/v1/chat/completions"),
                    printed);
            assertTrue(printed.contains("strip_prefix     = true"), printed);
        }
    }
}
