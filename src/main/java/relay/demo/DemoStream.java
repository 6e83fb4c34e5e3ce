package relay.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * A response body whose pieces become readable at fixed {@link System#nanoTime()} deadlines, so the demo
 * model can be slow without a thread of its own: all waiting happens in the reading thread.
 *
 * <p>A read returns as soon as the next piece is due, with that piece and any others already due; it
 * never waits to fill the caller's buffer, because the relay must see each SSE event the moment the
 * "model" produces it. Interrupting a waiting reader ends the read with {@link InterruptedIOException}
 * (interrupt flag left set); {@link #close()} from any thread wakes it with an {@link IOException}.
 *
 * <p>One reader at a time; {@code close} may come from any thread.
 */
final class DemoStream extends InputStream {

    /** {@code bytes} (never empty) become readable once {@code System.nanoTime() - due >= 0}. */
    record Piece(long due, byte[] bytes) {

        Piece {
            if (bytes.length == 0) {
                throw new IllegalArgumentException("empty piece");
            }
        }
    }

    private final List<Piece> pieces;
    private int index;
    private int offset;

    private volatile boolean closed;
    // Published before the closed check in await(), read after the closed write in close(): either the
    // reader sees closed, or close() sees the reader and its unpark makes the coming park return.
    private volatile Thread waiter;

    DemoStream(List<Piece> pieces) {
        this.pieces = List.copyOf(pieces);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int from, int length) throws IOException {
        Objects.checkFromIndexSize(from, length, buffer.length);
        ensureOpen();
        if (index == pieces.size()) {
            return -1;
        }
        if (length == 0) {
            return 0;
        }
        await(pieces.get(index).due());
        int copied = 0;
        while (copied < length && index < pieces.size() && isDue(pieces.get(index))) {
            byte[] bytes = pieces.get(index).bytes();
            int n = Math.min(length - copied, bytes.length - offset);
            System.arraycopy(bytes, offset, buffer, from + copied, n);
            copied += n;
            offset += n;
            if (offset == bytes.length) {
                index++;
                offset = 0;
            }
        }
        return copied;
    }

    @Override
    public int available() throws IOException {
        ensureOpen();
        if (index == pieces.size() || !isDue(pieces.get(index))) {
            return 0;
        }
        return pieces.get(index).bytes().length - offset;
    }

    /** Idempotent; safe from any thread, including while another thread is blocked in read. */
    @Override
    public void close() {
        closed = true;
        Thread blocked = waiter;
        if (blocked != null) {
            LockSupport.unpark(blocked);
        }
    }

    private void await(long deadline) throws IOException {
        Thread self = Thread.currentThread();
        waiter = self;
        try {
            while (true) {
                ensureOpen();
                if (self.isInterrupted()) {
                    throw new InterruptedIOException("interrupted while waiting for the demo model");
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                // Returns early on unpark (close), interrupt, or spuriously: the loop re-checks all three.
                LockSupport.parkNanos(this, remaining);
            }
        } finally {
            waiter = null;
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("closed");
        }
    }

    private static boolean isDue(Piece piece) {
        return System.nanoTime() - piece.due() >= 0;
    }
}
