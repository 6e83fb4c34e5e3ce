package relay.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;
import relay.time.NanoClock;

/**
 * Every byte a stream sends to its client goes through here, under one lock, one whole event (or
 * ping) per write followed by one flush; so a ping never lands inside an event. The first failure is
 * remembered and every later write fails fast with it. Once the stream's end is decided the writer
 * is sealed: nothing but relay's final bytes is written after that. Stalled writes are bounded below
 * this class, by the response stream it is given (see {@code proxy.TimedOutputStream}).
 */
public final class ClientWriter {
    /** Told how long each event write (write + flush) took, for the event-write latency metric. */
    @FunctionalInterface
    public interface WriteObserver {
        WriteObserver NONE = nanos -> { };

        void eventWritten(long nanos);
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final OutputStream out;
    private final NanoClock clock;
    private final WriteObserver observer;
    private volatile long lastWriteNanos;
    private ClientWriteException failure;
    private boolean sealed;
    private long bytes;
    private long events;
    private long pings;
    private long firstEventNanos;
    /** Set once the first data event is written; read by the pinger for the first-event deadline. */
    private volatile boolean eventWritten;

    /** {@code out} has already had the response headers written; that counts as the first write. */
    public ClientWriter(OutputStream out, NanoClock clock) {
        this(out, clock, WriteObserver.NONE);
    }

    public ClientWriter(OutputStream out, NanoClock clock, WriteObserver observer) {
        this.out = out;
        this.clock = clock;
        this.observer = observer;
        this.lastWriteNanos = clock.nanoTime();
    }

    /** Writes one complete event (its terminating blank line included) and flushes. */
    public void writeEvent(byte[] buffer, int offset, int length) throws ClientWriteException, InterruptedException {
        writeEvent(buffer, offset, length, true);
    }

    /**
     * Writes one complete upstream event and flushes; {@code data} is false for an event of comments
     * only (an upstream's own keep-alive), which neither a client nor the first-event deadline counts.
     */
    public void writeEvent(byte[] buffer, int offset, int length, boolean data)
            throws ClientWriteException, InterruptedException {
        lock.lockInterruptibly();
        try {
            long started = clock.nanoTime();
            ensureOpen();
            write(buffer, offset, length);
            events++;
            if (data && !eventWritten) {
                firstEventNanos = lastWriteNanos;
                eventWritten = true;
            }
            observer.eventWritten(lastWriteNanos - started);
        } finally {
            lock.unlock();
        }
    }

    /** Writes a line of relay's own (an SSE comment) as a unit, without counting it as an event. */
    public void writeNotice(byte[] notice) throws ClientWriteException, InterruptedException {
        lock.lockInterruptibly();
        try {
            ensureOpen();
            write(notice, 0, notice.length);
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code ping} if nothing was written for {@code intervalNanos}, so a busy stream is never pinged. */
    public void pingIfDue(byte[] ping, long intervalNanos) throws ClientWriteException, InterruptedException {
        lock.lockInterruptibly();
        try {
            ensureOpen();
            if (clock.nanoTime() - (lastWriteNanos + intervalNanos) >= 0) {
                write(ping, 0, ping.length);
                pings++;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The stream's end is decided: no event or ping is written from now on. Taking the lock waits for
     * a write in flight, so cancelling the subtasks afterwards never interrupts a client write (an
     * interrupted channel write closes the client's socket, and the final event would be lost). Not
     * interruptible on purpose: the wait is bounded by {@code ping.write_timeout}, and an interrupt
     * here must not leave the stream unsealed.
     */
    public void seal() {
        lock.lock();
        try {
            sealed = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes relay's own final bytes (an error event) unless the client already failed. Never throws:
     * it is the last thing a stream does, and a client that cannot hear it is already accounted for.
     */
    public void writeFinal(byte[] bytes) {
        lock.lock();
        try {
            if (failure == null) {
                write(bytes, 0, bytes.length);
            }
        } catch (ClientWriteException e) {
            // recorded in failure
        } finally {
            lock.unlock();
        }
    }

    /** Ends the response (for a chunked body, its last chunk); a client that cannot take it is already gone. */
    public void close() {
        lock.lock();
        try {
            out.close();
        } catch (IOException e) {
            // nothing is written after this
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() throws ClientWriteException {
        if (failure != null) {
            throw failure;
        }
        if (sealed) {
            throw new ClientWriteException(new IOException("the stream has already ended"));
        }
    }

    private void write(byte[] buffer, int offset, int length) throws ClientWriteException {
        try {
            out.write(buffer, offset, length);
            out.flush();
        } catch (IOException e) {
            failure = new ClientWriteException(e);
            throw failure;
        }
        lastWriteNanos = clock.nanoTime();
        bytes += length;
    }

    public long lastWriteNanos() {
        return lastWriteNanos;
    }

    /** Whether a data event (not a ping or notice) has been written. */
    public boolean eventWritten() {
        return eventWritten;
    }

    /** Read them once the stream's subtasks have ended. */
    public StreamCounters counters() {
        lock.lock();
        try {
            return new StreamCounters(events, pings, bytes, firstEventNanos);
        } finally {
            lock.unlock();
        }
    }
}
