package relay.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Every byte a stream sends to its client goes through here, under one lock, one whole event (or
 * ping) per write followed by one flush; so a ping never lands inside an event. The first failure is
 * remembered and every later write fails fast with it. A write that stalls (a client that stopped
 * reading) is aborted by {@link WriteWatchdog}, which interrupts the writing thread: an interrupted
 * channel write closes the client's socket.
 */
public final class ClientWriter {
    private final ReentrantLock lock = new ReentrantLock();
    private final OutputStream out;
    private final NanoClock clock;
    private volatile long lastWriteNanos;
    /** When the write in progress started (0: none) and by whom; see {@link #abortIfStalled}. */
    private volatile long writeStartedNanos;
    private volatile Thread writingThread;
    private volatile boolean stalled;
    private IOException failure;
    private boolean sealed;
    private long bytes;
    private long events;
    private long pings;

    /** Told how long each event write (write + flush) took, for the event-write latency metric. */
    @FunctionalInterface
    public interface WriteObserver {
        WriteObserver NONE = nanos -> { };

        void eventWritten(long nanos);
    }

    private final WriteObserver observer;
    private long firstEventNanos;

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
    public void writeEvent(byte[] buffer, int offset, int length) throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            long started = write(buffer, offset, length);
            if (events++ == 0) {
                firstEventNanos = lastWriteNanos;
            }
            observer.eventWritten(lastWriteNanos - started);
        } finally {
            lock.unlock();
        }
    }

    /** When the first upstream event reached the client (0 if none did); read after the stream ended. */
    public long firstEventNanos() {
        lock.lock();
        try {
            return firstEventNanos;
        } finally {
            lock.unlock();
        }
    }

    /** Writes a line of relay's own (an SSE comment) as a unit, without counting it as an event. */
    public void writeNotice(byte[] notice) throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            write(notice, 0, notice.length);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes {@code ping} if nothing was written for {@code intervalNanos}. Returns when the next ping
     * falls due, counted from the last write, so a busy stream is never pinged.
     */
    public long pingIfDue(byte[] ping, long intervalNanos) throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            long due = lastWriteNanos + intervalNanos;
            if (!sealed && clock.nanoTime() - due >= 0) {
                write(ping, 0, ping.length);
                pings++;
                return lastWriteNanos + intervalNanos;
            }
            return due;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes relay's own final bytes (an error event) unless the client already failed. Never throws:
     * it is the last thing a stream does, and a client that cannot hear it is already accounted for.
     */
    public boolean writeFinal(byte[] bytes) {
        lock.lock();
        try {
            if (failure != null) {
                return false;
            }
            write(bytes, 0, bytes.length);
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops pings for good. Taking the lock waits for a ping being written, so the scanner's last event
     * is followed by nothing of the pinger's and the stream can end cleanly.
     */
    public void seal() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            sealed = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the response (for a chunked body, its last chunk). Watched like any write: a client that
     * stopped reading cannot hold the stream's thread here either.
     */
    public void close() {
        lock.lock();
        try {
            begin(clock.nanoTime());
            out.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = new ClientWriteException(e);
            }
        } finally {
            writeStartedNanos = 0;
            lock.unlock();
        }
    }

    /** Returns when the write started. */
    private long write(byte[] buffer, int offset, int length) throws IOException {
        if (failure != null) {
            throw failure;
        }
        long started = clock.nanoTime();
        begin(started);
        try {
            out.write(buffer, offset, length);
            out.flush();
        } catch (IOException e) {
            failure = new ClientWriteException(e);
            throw failure;
        } finally {
            writeStartedNanos = 0;
        }
        lastWriteNanos = clock.nanoTime();
        bytes += length;
        return started;
    }

    /** The thread is published before the start time, so a watchdog that sees the time sees the thread. */
    private void begin(long startedNanos) {
        writingThread = Thread.currentThread();
        writeStartedNanos = startedNanos == 0 ? 1 : startedNanos;
    }

    /**
     * Called by the watchdog: aborts a write that has been blocked for longer than {@code timeoutNanos}.
     * Reading the start time before and after the thread tells a write that is still the same from a
     * new one that began in between (which is left alone until the next look).
     */
    void abortIfStalled(long nowNanos, long timeoutNanos) {
        long started = writeStartedNanos;
        if (started == 0 || nowNanos - started <= timeoutNanos) {
            return;
        }
        Thread thread = writingThread;
        if (writeStartedNanos == started && thread != null) {
            stalled = true;
            thread.interrupt();
        }
    }

    /** True once the watchdog aborted a stalled write: the end reason is then {@code write_timeout}. */
    public boolean stalled() {
        return stalled;
    }

    public boolean failed() {
        lock.lock();
        try {
            return failure != null;
        } finally {
            lock.unlock();
        }
    }

    public long lastWriteNanos() {
        return lastWriteNanos;
    }

    /** Counters are written under the lock; read them once the stream's subtasks have ended. */
    public StreamCounters counters() {
        lock.lock();
        try {
            return new StreamCounters(events, pings, bytes);
        } finally {
            lock.unlock();
        }
    }
}
