package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** With a pinger firing as often as it can while events trickle in piece by piece, no ping lands inside an event. */
class PingPlacementTest {

    @Test
    void aPingNeverLandsInsideAnEvent() throws Exception {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            expected.append("id: ").append(i).append("\nevent: delta\ndata: {\"n\":").append(i).append("}\ndata: more\n\n");
        }
        String stream = expected.toString();
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.sseHead();
                    // pieces of 7 bytes: every event arrives in several reads, with time between them for pings
                    for (int i = 0; i < stream.length(); i += 7) {
                        conn.chunk(stream.substring(i, Math.min(stream.length(), i + 7)));
                        if (i % 70 == 0) {
                            conn.thinkFor(java.time.Duration.ofMillis(2)); // upstream pauses longer than the 1 ms ping interval
                        }
                    }
                    conn.end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(),
                        new PingSettings(true, Duration.ofMillis(1), Duration.ofSeconds(5), Duration.ofSeconds(1), "PING"),
                        StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", "{\"stream\":true}")) {
            List<TestClient.Block> blocks = client.remainingBlocks();
            StringBuilder events = new StringBuilder();
            int pings = 0;
            for (TestClient.Block block : blocks) {
                if (block.text().equals(": PING\n\n")) {
                    pings++;
                } else {
                    assertTrue(block.text().startsWith("id: ") && !block.text().contains(": PING"),
                            "a ping was interleaved: " + block.text());
                    events.append(block.text());
                }
            }
            assertEquals(stream, events.toString());
            assertTrue(pings > 0, "the pinger never fired, so this test proved nothing");
        }
    }
}
