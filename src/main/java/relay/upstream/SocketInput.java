package relay.upstream;

import java.io.IOException;
import java.io.InputStream;

/**
 * The buffered read side of one upstream connection. Unlike {@link java.io.BufferedInputStream} it
 * takes no lock per call: only the one thread that reads the response uses it, and the chunked
 * decoder reads its framing a byte at a time.
 */
final class SocketInput extends InputStream {
    private final InputStream raw;
    private final byte[] buffer;
    private int position;
    private int limit;

    SocketInput(InputStream raw, int size) {
        this.raw = raw;
        this.buffer = new byte[size];
    }

    @Override
    public int read() throws IOException {
        if (position == limit && fill() <= 0) {
            return -1;
        }
        return buffer[position++] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        int buffered = limit - position;
        if (buffered == 0) {
            if (length >= buffer.length) {
                return raw.read(target, offset, length); // large reads skip the copy
            }
            if (fill() <= 0) {
                return -1;
            }
            buffered = limit - position;
        }
        int n = Math.min(buffered, length);
        System.arraycopy(buffer, position, target, offset, n);
        position += n;
        return n;
    }

    /** Waits for at least one byte (or the end of the stream) without consuming it. */
    void awaitData() throws IOException {
        if (position == limit) {
            fill();
        }
    }

    private int fill() throws IOException {
        int n = raw.read(buffer, 0, buffer.length);
        position = 0;
        limit = Math.max(0, n);
        return n;
    }

    @Override
    public int available() throws IOException {
        int buffered = limit - position;
        return buffered > 0 ? buffered : raw.available();
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }
}
