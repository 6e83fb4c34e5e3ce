package relay.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * The buffered read side of one upstream connection. Unlike {@link java.io.BufferedInputStream} it
 * takes no lock per call: only one thread at a time reads the response, and the chunked decoder and
 * the head reader read a byte at a time. A read that times out consumes nothing.
 */
final class SocketInput extends InputStream {
    private final Socket socket;
    private final InputStream raw;
    private final byte[] buffer;
    private int position;
    private int limit;
    private long deadline;
    private boolean timed;
    private int untimedMillis;

    SocketInput(Socket socket, int size) throws IOException {
        this.socket = socket;
        this.raw = socket.getInputStream();
        this.buffer = new byte[size];
    }

    /**
     * Until {@link #clearDeadline}, reads that must wait for the socket fail with
     * {@link SocketTimeoutException} once {@code deadlineNanos} ({@link System#nanoTime}) has passed,
     * however the bytes trickle in: the socket's own timeout is per read, not per wait.
     */
    void deadline(long deadlineNanos) throws IOException {
        if (!timed) {
            untimedMillis = socket.getSoTimeout();
        }
        deadline = deadlineNanos;
        timed = true;
    }

    void clearDeadline() throws IOException {
        if (timed) {
            timed = false;
            socket.setSoTimeout(untimedMillis);
        }
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
                return rawRead(target, offset, length); // large reads skip the copy
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

    private int fill() throws IOException {
        int n = rawRead(buffer, 0, buffer.length);
        position = 0;
        limit = Math.max(0, n);
        return n;
    }

    private int rawRead(byte[] target, int offset, int length) throws IOException {
        if (timed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("deadline passed");
            }
            socket.setSoTimeout(Math.clamp((left + 999_999) / 1_000_000, 1, Integer.MAX_VALUE));
        }
        return raw.read(target, offset, length);
    }

    /** Bytes read from the socket and not consumed yet. */
    int buffered() {
        return limit - position;
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
