package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import relay.config.ClientKey;
import relay.config.Config;
import relay.testing.Await;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** A client key's own {@code max_streams}: over it that key gets 429 while every other key is served. */
class ClientKeyLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String KEY_A = "ck-team-a-secret";
    private static final String KEY_B = "ck-team-b-secret";
    private static final String REQUEST = "{\"model\":\"m\",\"stream\":true}";

    @Test
    void aKeyAtItsLimitIsRefusedWhileAnotherKeyIsServed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"n\":1}\n\n");
                    if ("hold".equals(conn.header("X-Test"))) {
                        release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    conn.chunk("data: [DONE]\n\n").end();
                })) {
            Config base = TestConfigs.forUpstream(upstream.uri(), Duration.ofMillis(200));
            Config config = new Config(base.source(), base.server().withKeys(List.of(
                    new ClientKey(KEY_A, "team-a", 1), new ClientKey(KEY_B, "team-b", ClientKey.NO_LIMIT))),
                    base.ping(), base.upstream(), base.stream(), base.demo(), base.routes());
            try (RunningRelay relay = new RunningRelay(config)) {
                TestClient held = relay.client().post("/v1/chat/completions", REQUEST, "Authorization: Bearer " + KEY_A,
                        "X-Test: hold");
                assertEquals(200, held.status);
                assertEquals("data: {\"n\":1}\n\n", held.nextBlock().text(), "team-a's one exchange is in flight");

                TestClient refused = relay.client().post("/v1/chat/completions", REQUEST, "x-api-key: " + KEY_A);
                assertEquals(429, refused.status);
                assertEquals("1", refused.header("Retry-After"));
                String body = refused.bodyText();
                JsonNode error = new ObjectMapper().readTree(body).path("error");
                assertEquals("key_max_streams", error.path("code").asText(), body);
                assertEquals("rate_limit_error", error.path("type").asText(), body);
                assertTrue(error.path("message").asText().contains("team-a"), body);
                assertFalse(body.contains(KEY_A), body);

                TestClient other = relay.client().post("/v1/chat/completions", REQUEST, "Authorization: Bearer " + KEY_B);
                assertEquals(200, other.status, "another key is served while team-a is at its limit");
                assertTrue(other.bodyText().endsWith("data: [DONE]\n\n"));

                release.countDown();
                assertTrue(held.bodyText().endsWith("data: [DONE]\n\n"));
                // the refused exchange's line and the held one's, written after it gave its slot back
                assertTrue(Await.until(() -> relay.log().split("client_key=team-a", -1).length - 1 == 2, WAIT),
                        relay.log());
                TestClient again = relay.client().post("/v1/chat/completions", REQUEST, "Authorization: Bearer " + KEY_A);
                assertEquals(200, again.status, "the slot came back when the held exchange ended");
                again.bodyText();

                String metrics = relay.client().request("GET", "/metrics", null).bodyText();
                assertTrue(metrics.contains("relay_client_key_refused_total{key=\"team-a\"} 1.0"), metrics);
                assertTrue(metrics.contains("relay_refused_total{limit=\"key_max_streams\"} 1.0"), metrics);
                assertFalse(relay.log().contains(KEY_A) || relay.log().contains(KEY_B), relay.log());
            }
        }
    }
}
