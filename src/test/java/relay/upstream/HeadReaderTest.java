package relay.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeadReaderTest {

    /** Gives each part's bytes, with a read timeout between parts (as a socket with SO_TIMEOUT would). */
    private static final class TimingOutStream extends InputStream {
        private final Deque<byte[]> parts = new ArrayDeque<>();
        private byte[] current = new byte[0];
        private int position;

        TimingOutStream(String... parts) {
            for (String part : parts) {
                this.parts.add(part.getBytes(StandardCharsets.ISO_8859_1));
            }
        }

        @Override
        public int read() throws IOException {
            if (position == current.length) {
                if (parts.isEmpty()) {
                    return -1;
                }
                current = parts.poll();
                position = 0;
                throw new SocketTimeoutException("scripted");
            }
            return current[position++] & 0xff;
        }
    }

    @Test
    void aTimeoutAnywhereLosesNothing() throws IOException {
        String wire = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: two\r\n\r\n";
        for (int cut = 0; cut <= wire.length(); cut++) {
            HeadReader reader = new HeadReader(new TimingOutStream(wire.substring(0, cut), wire.substring(cut)));
            ResponseHead head = null;
            int timeouts = 0;
            while (head == null) {
                try {
                    head = reader.next();
                } catch (SocketTimeoutException e) {
                    timeouts++;
                }
            }
            assertEquals(cut < wire.length() ? 2 : 1, timeouts, "cut at " + cut); // the head ends before an empty last part
            assertEquals(200, head.status());
            assertEquals(List.of(new Header("X-A", "1"), new Header("X-B", "two")), head.headers());
            assertSame(head, reader.next());
        }
    }

    @Test
    void aMalformedHeadStaysAFailure() {
        HeadReader reader = new HeadReader(new TimingOutStream("HTTP/1.1 200 OK\r\nbad line\r\n\r\n"));
        assertThrows(SocketTimeoutException.class, reader::next);
        IOException first = assertThrows(IOException.class, reader::next);
        assertSame(first, assertThrows(IOException.class, reader::next));
    }
}
