package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.PingSettings;
import relay.config.Route;
import relay.config.RouteMatch;
import relay.config.RouteTiming;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * {@code keepalive_json}: a non-stream JSON call slower than the header grace is committed as 200
 * and kept alive with spaces, which every JSON parser skips, until the upstream's body follows.
 */
class KeepaliveJsonTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final PingSettings PING = new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofMillis(200), "PING");
    private static final String REQUEST = "{\"model\":\"m\",\"messages\":[]}";
    static final String COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},"
            + "\"finish_reason\":\"stop\"}]}";

    /** One route "/" (Anthropic's SDK posts to /v1/messages, OpenAI's to /v1/...) with keepalive_json and its own idle timeout. */
    static Config keepalive(TestUpstream upstream, boolean on, Duration idleTimeout) {
        Config base = TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS);
        Route r = base.routes().getFirst();
        Route route = new Route("/", r.upstreams(), r.headers(), r.ping(), r.errors(), Optional.empty(), r.retry(),
                new RouteTiming(Optional.empty(), Optional.empty(), Optional.of(idleTimeout), Optional.empty()),
                RouteMatch.ANY, on);
        return new Config(base.source(), base.server(), base.ping(), base.upstream(), base.stream(), base.demo(),
                List.of(route));
    }

    private static TestUpstream slow(Duration think, int status, String body) throws Exception {
        return new TestUpstream(conn -> {
            conn.thinkFor(think);
            conn.head(status, "Content-Type: application/json", "Content-Length: " + body.length(), "x-request-id: req_1")
                    .raw(body);
        });
    }

    /** A non-stream chat completion, as the SDKs send it. */
    private static TestClient call(RunningRelay relay) throws Exception {
        return relay.client().post("/v1/chat/completions", REQUEST, "Content-Type: application/json");
    }

    @Test
    void aSlowCallGetsSpacesThenTheUpstreamsBody() throws Exception {
        try (TestUpstream upstream = slow(Duration.ofMillis(1000), 200, COMPLETION);
                RunningRelay relay = new RunningRelay(keepalive(upstream, true, Duration.ofSeconds(30)))) {
            TestClient client = call(relay);
            assertEquals(200, client.status);
            assertEquals("application/json", client.header("Content-Type"));
            String body = client.bodyText();
            String spaces = body.substring(0, body.indexOf('{'));
            assertTrue(spaces.length() >= 3 && spaces.isBlank() && !spaces.contains("\n"),
                    "a space every 100 ms for about 800 ms: [" + spaces + "]");
            assertEquals(COMPLETION, body.substring(spaces.length()));
            assertEquals(new ObjectMapper().readTree(COMPLETION), new ObjectMapper().readTree(body));
            assertTrue(relay.awaitLog("reason=eof", WAIT), relay.log());
            assertTrue(relay.log().contains("pings=" + spaces.length()), relay.log());
        }
    }

    @Test
    void aLateErrorArrivesAsA200WithTheErrorBodyAndIsLoggedAsIs() throws Exception {
        String error = "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}";
        try (TestUpstream upstream = slow(Duration.ofMillis(600), 500, error);
                RunningRelay relay = new RunningRelay(keepalive(upstream, true, Duration.ofSeconds(30)))) {
            TestClient client = call(relay);
            assertEquals(200, client.status);
            assertEquals(error, client.bodyText().strip());
            assertTrue(relay.awaitLog("upstream answered 500 after relay committed 200 (keepalive_json)", WAIT),
                    relay.log());
        }
    }

    @Test
    void anUpstreamThatNeverAnswersEndsAtTheIdleTimeoutWithAnErrorBody() throws Exception {
        try (TestUpstream upstream = new TestUpstream(TestUpstream.Conn::silentUntilClosed);
                RunningRelay relay = new RunningRelay(keepalive(upstream, true, Duration.ofMillis(700)))) {
            TestClient client = call(relay);
            assertEquals(200, client.status);
            var error = new ObjectMapper().readTree(client.bodyText()).path("error");
            assertEquals("upstream_timeout", error.path("code").asText(), error.toString());
            assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT), "the upstream request is cancelled");
            assertTrue(relay.awaitLog("reason=idle_timeout", WAIT), relay.log());
            assertTrue(relay.awaitNoThreads(WAIT));
        }
    }

    @Test
    void aClientThatLeavesDuringTheWaitCancelsTheUpstreamRequest() throws Exception {
        try (TestUpstream upstream = new TestUpstream(TestUpstream.Conn::silentUntilClosed);
                RunningRelay relay = new RunningRelay(keepalive(upstream, true, Duration.ofSeconds(30)))) {
            TestClient client = call(relay);
            assertEquals(200, client.status);
            assertEquals(' ', client.body().read(), "kept alive");
            client.close();
            assertTrue(upstream.nextConnection(WAIT).awaitClosed(WAIT), "the upstream request is cancelled");
            assertTrue(relay.awaitLog("reason=client_gone", WAIT), relay.log());
            assertTrue(relay.awaitNoThreads(WAIT));
        }
    }

    @Test
    void anAnswerWithinTheGraceKeepsItsStatusAndHeaders() throws Exception {
        String limited = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}";
        try (TestUpstream upstream = slow(Duration.ZERO, 429, limited);
                RunningRelay relay = new RunningRelay(keepalive(upstream, true, Duration.ofSeconds(30)))) {
            TestClient client = call(relay);
            assertEquals(429, client.status);
            assertEquals("req_1", client.header("x-request-id"));
            assertEquals(limited, client.bodyText());
        }
    }

    @Test
    void withoutTheOptionASlowCallWaitsSilently() throws Exception {
        try (TestUpstream upstream = slow(Duration.ofMillis(600), 200, COMPLETION);
                RunningRelay relay = new RunningRelay(keepalive(upstream, false, Duration.ofSeconds(30)))) {
            TestClient client = call(relay);
            assertEquals(200, client.status);
            assertEquals("req_1", client.header("x-request-id"), "the upstream's own head");
            assertEquals(COMPLETION, client.bodyText());
        }
    }
}
