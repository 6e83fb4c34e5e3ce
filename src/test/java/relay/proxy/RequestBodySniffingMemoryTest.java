package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The proof, through {@link RequestBody} as {@code ProxyHandler} and {@code HttpUpstream} use it:
 * a 20 MiB base64 image in {@code messages} before {@code "stream": true} is forwarded and recognised as a
 * stream request, allocating a bounded amount in this JVM and fitting a 16 MiB heap in a child JVM.
 */
class RequestBodySniffingMemoryTest {
    private static final int IMAGE = 20 << 20;
    private static final long NO_LIMIT = Long.MAX_VALUE;

    @Test
    void withContentLengthTheFlagAfterTheImageIsKnownOnceTheBodyIsSent() throws IOException {
        GeneratedBody client = new GeneratedBody(IMAGE);
        long before = StreamFlagSnifferTest.allocatedBytes();
        RequestBody body = RequestBody.open(client, client.length, NO_LIMIT);
        assertFalse(body.asksForStream(), "the flag lies beyond the prefix: not known before sending");
        long sent = sendLikeHttpUpstream(body.stream(), client.length);
        long allocated = StreamFlagSnifferTest.allocatedBytes() - before;
        System.out.println("forwarding " + sent + " bytes (Content-Length) allocated " + allocated + " bytes");
        assertEquals(client.length, sent);
        assertTrue(body.asksForStream(), "stream request recognised after the body was sent");
        assertTrue(allocated < 1 << 20, "allocated " + allocated + " bytes forwarding " + sent);
    }

    @Test
    void chunkedTheSame() throws IOException {
        GeneratedBody client = new GeneratedBody(IMAGE);
        long before = StreamFlagSnifferTest.allocatedBytes();
        RequestBody body = RequestBody.open(client, -1, NO_LIMIT);
        long sent = sendLikeHttpUpstream(body.stream(), -1);
        long allocated = StreamFlagSnifferTest.allocatedBytes() - before;
        System.out.println("forwarding " + sent + " bytes (chunked) allocated " + allocated + " bytes");
        assertEquals(client.length, sent);
        assertTrue(body.asksForStream());
        assertTrue(allocated < 1 << 20, "allocated " + allocated + " bytes forwarding " + sent);
    }

    @Test
    void aSmallHeapForwardsTheImageAndFindsTheFlag() throws Exception {
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-preview", "-Xmx16m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), SmallHeap.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child finished");
        assertEquals(0, child.exitValue(), "child on -Xmx16m:\n" + output);
        assertTrue(output.contains("asksForStream=true sent=" + new GeneratedBody(IMAGE).length), output);
    }

    /** Run in a child JVM with a 16 MiB heap: the body is larger than the heap. */
    public static final class SmallHeap {
        public static void main(String[] args) throws IOException {
            GeneratedBody client = new GeneratedBody(IMAGE);
            RequestBody body = RequestBody.open(client, client.length, NO_LIMIT);
            long sent = sendLikeHttpUpstream(body.stream(), client.length);
            System.out.println("asksForStream=" + body.asksForStream() + " sent=" + sent);
        }
    }

    /** As HttpUpstream.writeBody: 8 KiB reads, and with a Content-Length never a read past it. */
    private static long sendLikeHttpUpstream(InputStream body, long contentLength) throws IOException {
        byte[] buffer = new byte[8192];
        long sent = 0;
        while (contentLength < 0 || sent < contentLength) {
            int n = body.read(buffer, 0, contentLength < 0 ? buffer.length : (int) Math.min(buffer.length, contentLength - sent));
            if (n == -1) {
                break;
            }
            sent += n;
        }
        return sent;
    }

    /** An OpenAI-SDK-shaped body made up as it is read, so the test itself holds none of it. */
    static final class GeneratedBody extends InputStream {
        private static final byte[] HEAD = ("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,").getBytes(StandardCharsets.US_ASCII);
        private static final byte[] TAIL = "\"}}]}],\"stream\":true}".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] ALPHABET =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);

        final long length;
        private final long image;
        private long position;

        GeneratedBody(long image) {
            this.image = image;
            this.length = HEAD.length + image + TAIL.length;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position == length) {
                return -1;
            }
            int n = (int) Math.min(len, length - position);
            for (int i = 0; i < n; i++, position++) {
                b[off + i] = at(position);
            }
            return n;
        }

        private byte at(long p) {
            if (p < HEAD.length) {
                return HEAD[(int) p];
            }
            long q = p - HEAD.length;
            return q < image ? ALPHABET[(int) ((q * 7 + (q >>> 6)) & 63)] : TAIL[(int) (q - image)];
        }
    }
}
