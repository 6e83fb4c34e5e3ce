package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestUpstream;
import relay.testing.TestConfigs;

/**
 * Interim 1xx responses ({@code 100 Continue}, {@code 103 Early Hints}) are not the upstream's
 * answer: relay keeps waiting, with pings once it has committed, and an upstream that sends them
 * without end is cut off.
 */
class InterimResponseTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";

    @Test
    void interimResponsesAreSkippedAndTheClientIsPingedUntilTheRealAnswer() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.raw("HTTP/1.1 100 Continue\r\n\r\n");
                    conn.raw("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
                    conn.thinkFor(INTERVAL.multipliedBy(15)); // past the header grace (1 s) and several pings
                    conn.sseHead().chunk("data: [DONE]\n\n").end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), INTERVAL, StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(200, client.status);
            List<TestClient.Block> blocks = client.remainingBlocks();
            assertTrue(blocks.getFirst().isPing(), "an interim response was taken for the answer: " + blocks);
            assertEquals("data: [DONE]\n\n", blocks.getLast().text());
            assertTrue(relay.awaitLog("reason=done", Duration.ofSeconds(10)), relay.log());
        }
    }

    @Test
    void anUpstreamThatSendsInterimResponsesWithoutEndIsCutOff() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    for (int i = 0; i < 1000; i++) {
                        conn.raw("HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n");
                        conn.thinkFor(Duration.ofMillis(5));
                    }
                    conn.silentUntilClosed();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), INTERVAL, StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
            assertEquals(502, client.status);
            assertTrue(client.bodyText().contains("too many interim responses"));
            assertTrue(relay.awaitLog("reason=upstream_error", Duration.ofSeconds(10)), relay.log());
        }
    }
}
