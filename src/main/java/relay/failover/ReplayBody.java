package relay.failover;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import relay.upstream.BlockInputStream;

/**
 * The client's request body, kept for another attempt: every attempt reads the bytes earlier ones
 * read (from the copy) and then the rest from the client, so the body still streams upstream as it
 * arrives. The copy stops at {@code retry.max_body}: past it the body can be sent once only.
 */
public final class ReplayBody {
    private final InputStream client;
    private final long maxCopy;
    private final InputStream tee = new Tee();
    private byte[] copy = new byte[0];
    private int length;
    private long read;
    private boolean overflowed;

    private final long expectedLength;

    /**
     * {@code maxCopy} 0 keeps no copy: the body can be sent once (unless no byte of it was read yet).
     * {@code contentLength} (-1 when unknown) sizes the copy at once, so a typical body is copied
     * into one array of its own size.
     */
    public ReplayBody(InputStream client, long maxCopy, long contentLength) {
        this.client = client;
        this.maxCopy = maxCopy;
        this.expectedLength = contentLength;
    }

    /**
     * No attempt will follow (a stream's first data event went out, or a non-stream answer came):
     * the copy goes now rather than living as long as the exchange.
     */
    public void discard() {
        overflowed = true;
        copy = null;
    }

    /** True while every byte read so far is in the copy: another attempt can send the same body. */
    public boolean replayable() {
        return !overflowed;
    }

    /** Bytes of the client's body read so far. */
    public long bytesRead() {
        return read;
    }

    /** The body for the next attempt; only while {@link #replayable()}. */
    public InputStream forAttempt() {
        if (overflowed) {
            throw new IllegalStateException("the body was larger than its copy");
        }
        return length == 0 ? tee : new SequenceInputStream(new ByteArrayInputStream(copy, 0, length), tee);
    }

    private final class Tee extends BlockInputStream {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = client.read(b, off, len);
            if (n > 0) {
                read += n;
                keep(b, off, n);
            }
            return n;
        }
    }

    private void keep(byte[] b, int off, int n) {
        if (overflowed) {
            return;
        }
        if (length + (long) n > maxCopy) {
            overflowed = true;
            copy = null; // the body goes once: no reason to hold on to its start
            return;
        }
        if (length + n > copy.length) {
            // a new array when growing: an earlier attempt's view of the first `length` bytes stays valid
            long wanted = expectedLength >= length + n ? expectedLength : Math.max(length + n, copy.length * 2L);
            copy = Arrays.copyOf(copy, (int) Math.min(maxCopy, wanted));
        }
        System.arraycopy(b, off, copy, length, n);
        length += n;
    }
}
