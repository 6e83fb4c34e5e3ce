package relay.proxy;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;
import relay.time.NanoClock;
import relay.stream.WriteTimeoutException;

/**
 * A client's response body whose every write, flush and close can be aborted by the
 * {@link WriteWatchdog} once it has blocked for {@code ping.write_timeout}: the watchdog interrupts
 * the writing thread, and an interrupted channel write closes the client's socket.
 *
 * <p>The watchdog and the writer agree on who owns the interrupt through {@code started}: the
 * watchdog may interrupt only after it swapped the write's start time for {@code ABORTING}, and a
 * writer that finds its start time gone waits until the interrupt has been delivered, then clears it.
 * So an interrupt never outlives the write it was meant for (it would otherwise kill whatever the
 * thread does next: a pinger's sleep, the next write), and the aborted write always fails with
 * {@link WriteTimeoutException}, even if its bytes went out at the last moment.
 */
final class TimedOutputStream extends OutputStream {
    private static final long IDLE = 0;
    private static final long ABORTING = -1;
    private static final long ABORTED = -2;
    private static final int WRITE = 0;
    private static final int FLUSH = 1;
    private static final int CLOSE = 2;

    private final OutputStream out;
    private final NanoClock clock;
    private final AtomicLong started = new AtomicLong(IDLE);
    private volatile Thread writer;

    TimedOutputStream(OutputStream out, NanoClock clock) {
        this.out = out;
        this.clock = clock;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1); // not on relay's paths: they write whole buffers
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
        timed(WRITE, buffer, offset, length);
    }

    @Override
    public void flush() throws IOException {
        timed(FLUSH, null, 0, 0);
    }

    @Override
    public void close() throws IOException {
        timed(CLOSE, null, 0, 0);
    }

    private void timed(int operation, byte[] buffer, int offset, int length) throws IOException {
        long start = begin();
        try {
            switch (operation) {
                case WRITE -> out.write(buffer, offset, length);
                case FLUSH -> out.flush();
                default -> out.close();
            }
        } catch (IOException e) {
            throw end(start, e);
        }
        end(start, null);
    }

    /** The writer is published before the start time, so a watchdog that sees the time sees the writer. */
    private long begin() {
        writer = Thread.currentThread();
        long now = clock.nanoTime();
        long start = now > 0 ? now : 1;
        started.set(start);
        return start;
    }

    /** Returns the exception to throw (or throws the timeout); {@code failure} is the write's own, or null. */
    private IOException end(long start, IOException failure) throws IOException {
        if (started.compareAndSet(start, IDLE)) {
            return failure;
        }
        while (started.get() == ABORTING) {
            Thread.onSpinWait(); // the watchdog is between its swap and the interrupt: a few instructions
        }
        Thread.interrupted();
        started.set(IDLE);
        throw new WriteTimeoutException("client did not read for ping.write_timeout");
    }

    void abortIfStalled(long nowNanos, long timeoutNanos) {
        long start = started.get();
        if (start > 0 && nowNanos - start > timeoutNanos && started.compareAndSet(start, ABORTING)) {
            writer.interrupt();
            started.set(ABORTED);
        }
    }
}
