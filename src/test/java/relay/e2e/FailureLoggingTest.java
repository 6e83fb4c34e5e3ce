package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** What the access log says about a failed exchange: the cause, what the client was sent, and that it was a stream. */
class FailureLoggingTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static URI nothingListening() throws Exception {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + free.getLocalPort());
        }
    }

    @Test
    void aStreamRequestThatFailsFastIsLoggedAsAStreamWithItsBodyAndCause() throws Exception {
        try (RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(nothingListening(), Duration.ofSeconds(1)));
                TestClient client = relay.client().post("/v1/chat/completions", "{\"stream\":true}")) {
            assertEquals(502, client.status);
            int sent = client.bodyText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            assertTrue(relay.awaitLog("status=502", WAIT), relay.log());
            String line = relay.log();
            assertTrue(line.contains("stream=true"), line);
            assertTrue(line.contains("reason=upstream_error"), line);
            assertTrue(line.contains("bytes_out=" + sent), "expected bytes_out=" + sent + ": " + line);
            assertTrue(line.contains("error=\"") && line.contains("127.0.0.1"), line);
        }
    }

    @Test
    void anUpstreamCutMidStreamIsLoggedWithItsCause() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead().chunk("data: {\"n\":1}\n\n");
                    conn.reset();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), Duration.ofSeconds(1),
                        StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", "{\"stream\":true}")) {
            client.body().readAllBytes();
            assertTrue(relay.awaitLog("reason=upstream_error", WAIT), relay.log());
            Matcher error = Pattern.compile("error=\"([^\"]+)\"").matcher(relay.log());
            assertTrue(error.find(), relay.log());
        }
    }
}
