package relay.stream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import relay.time.NanoClock;

/**
 * When the upstream last sent a byte: stamped by the scanner on every read, checked by the pinger
 * against {@code stream.idle_timeout}. One clock read and one volatile store per read, instead of a
 * timer armed and cancelled around every blocking read.
 */
final class UpstreamActivity {
    private final NanoClock clock;
    private volatile long lastReadNanos;

    UpstreamActivity(NanoClock clock) {
        this.clock = clock;
        this.lastReadNanos = clock.nanoTime();
    }

    long lastReadNanos() {
        return lastReadNanos;
    }

    InputStream watch(InputStream body) {
        return new FilterInputStream(body) {
            @Override
            public int read() throws IOException {
                int b = in.read();
                lastReadNanos = clock.nanoTime();
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = in.read(buffer, offset, length);
                if (n > 0) {
                    lastReadNanos = clock.nanoTime();
                }
                return n;
            }
        };
    }
}
