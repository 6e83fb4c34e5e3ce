package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import relay.config.StreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * An upstream that compresses its event stream. relay cannot put a ping between compressed bytes,
 * so it decodes gzip and deflate and relays plain events with pings; an encoding it cannot decode
 * passes untouched and unpinged, never corrupted.
 */
class CompressedStreamTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);

    /** Compresses in sync-flushed pieces, as a server streaming gzip does. */
    private static final class Compressor {
        private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
        private final DeflaterOutputStream out;

        Compressor(boolean gzip) throws IOException {
            out = gzip ? new GZIPOutputStream(sink, true) : new DeflaterOutputStream(sink, true);
        }

        byte[] piece(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return take();
        }

        byte[] finish() throws IOException {
            out.finish();
            return take();
        }

        private byte[] take() {
            byte[] bytes = sink.toByteArray();
            sink.reset();
            return bytes;
        }
    }

    private static void compressedStreamIsDecodedAndPinged(String coding, boolean gzip) throws Exception {
        BlockingQueue<String> acceptEncoding = new LinkedBlockingQueue<>();
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    acceptEncoding.add(String.valueOf(conn.header("Accept-Encoding")));
                    Compressor compressor = new Compressor(gzip);
                    conn.head(200, "Content-Type: text/event-stream", "Content-Encoding: " + coding,
                            "Transfer-Encoding: chunked");
                    conn.chunk(compressor.piece("data: {\"n\":1}\n\n"));
                    conn.thinkFor(INTERVAL.multipliedBy(5)); // a pause mid-stream: pings fall here
                    conn.chunk(compressor.piece("data: [DONE]\n\n"));
                    conn.chunk(compressor.finish()).end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), INTERVAL, StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", "{\"stream\":true}",
                        "Accept-Encoding: gzip")) {
            assertEquals(200, client.status);
            assertNull(client.header("Content-Encoding"), "relay sends the stream decoded");
            assertEquals("data: {\"n\":1}\n\n", client.nextBlock().text());
            List<TestClient.Block> rest = client.remainingBlocks();
            assertTrue(rest.stream().anyMatch(TestClient.Block::isPing), "no ping in the pause: " + rest);
            assertEquals("data: [DONE]\n\n", rest.getLast().text());
            assertTrue(rest.subList(0, rest.size() - 1).stream().allMatch(TestClient.Block::isPing), rest.toString());
            assertEquals("identity", acceptEncoding.take(), "a known stream request asks for no compression");
        }
    }

    @Test
    void gzipEventStreamIsDecodedAndPinged() throws Exception {
        compressedStreamIsDecodedAndPinged("gzip", true);
    }

    @Test
    void deflateEventStreamIsDecodedAndPinged() throws Exception {
        compressedStreamIsDecodedAndPinged("deflate", false);
    }

    @Test
    void anEncodingRelayCannotDecodeIsRelayedUntouchedWithoutPings() throws Exception {
        byte[] opaque = {0x0b, 0x01, (byte) 0x80, 0x64, 0x61, 0x74, 0x61, 0x03}; // stands for brotli bytes
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.head(200, "Content-Type: text/event-stream", "Content-Encoding: br",
                            "Transfer-Encoding: chunked");
                    conn.thinkFor(INTERVAL.multipliedBy(4));
                    conn.chunk(opaque).end();
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), INTERVAL, StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/chat/completions", "{\"stream\":true}")) {
            assertEquals(200, client.status);
            assertEquals("br", client.header("Content-Encoding"));
            assertTrue(java.util.Arrays.equals(opaque, client.body().readAllBytes()), "the body was changed");
            assertTrue(relay.awaitLog("relayed untouched", Duration.ofSeconds(10)), relay.log());
        }
    }

    /** The stream flag past the prefix relay reads first: the client's encodings go upstream, cut to decodable ones. */
    @Test
    void requestsNotKnownToStreamOfferOnlyCodingsRelayCanDecode() throws Exception {
        BlockingQueue<String> acceptEncoding = new LinkedBlockingQueue<>();
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    acceptEncoding.add(String.valueOf(conn.header("Accept-Encoding")));
                    conn.head(200, "Content-Type: application/json", "Content-Length: 2").raw("{}");
                });
                RunningRelay relay = new RunningRelay(TestConfigs.with(upstream.uri(), INTERVAL, StreamSettings.DEFAULTS));
                TestClient client = relay.client().post("/v1/embeddings", "{\"input\":\"x\"}",
                        "Accept-Encoding: br, gzip;q=0.8, zstd")) {
            assertEquals("{}", client.bodyText());
            assertEquals("gzip;q=0.8", acceptEncoding.take());
        }
    }
}
