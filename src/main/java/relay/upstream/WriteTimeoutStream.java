package relay.upstream;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds each write to the upstream: one that blocks longer than the timeout (an upstream that stopped
 * reading the request body) closes the connection, and the write fails with a
 * {@link SocketTimeoutException}.
 *
 * <p>Why a watchdog: socket output streams have no timeout, and a blocking {@code SocketChannel}
 * has none either; a non-blocking channel with a selector would need its own TLS on SSLEngine. A
 * shared timer that closes the socket is small and works for plain and TLS alike. It closes the TCP
 * socket under the TLS layer, never the SSLSocket itself: {@code SSLSocket.close()} waits for the
 * write lock that the blocked writer holds (to send close_notify), so it would block the timer too.
 * Each write has a generation number, so an alarm that fires just as its write completes cannot
 * close the connection under a later write.
 */
final class WriteTimeoutStream extends OutputStream {
    private static final long TIMED_OUT = -1;

    private final OutputStream out;
    private final Socket tcp;
    private final Duration timeout;
    private final ScheduledExecutorService timer;
    /** The generation of the write in progress, 0 between writes, {@link #TIMED_OUT} once closed. */
    private final AtomicLong writing = new AtomicLong();
    private long generation;

    WriteTimeoutStream(OutputStream out, Socket tcp, Duration timeout, ScheduledExecutorService timer) {
        this.timer = timer;
        this.out = out;
        this.tcp = tcp;
        this.timeout = timeout;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
        long current = ++generation;
        if (!writing.compareAndSet(0, current)) {
            throw timedOut(null);
        }
        ScheduledFuture<?> alarm = timer.schedule(() -> expire(current), timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            out.write(buffer, offset, length);
        } catch (IOException e) {
            throw writing.get() == TIMED_OUT ? timedOut(e) : e;
        } finally {
            alarm.cancel(false);
        }
        if (!writing.compareAndSet(current, 0)) {
            throw timedOut(null); // the alarm won the race: the connection is already closed
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    private void expire(long expected) {
        if (writing.compareAndSet(expected, TIMED_OUT)) {
            try {
                tcp.close();
            } catch (IOException e) {
                // closed either way
            }
        }
    }

    private SocketTimeoutException timedOut(IOException cause) {
        SocketTimeoutException e = new SocketTimeoutException("upstream stopped reading the request for " + timeout);
        e.initCause(cause);
        return e;
    }
}
