package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import relay.stream.WriteTimeoutException;

@Timeout(30)
class TimedOutputStreamTest {
    private static final long TIMEOUT = 1_000;
    private final AtomicLong now = new AtomicLong(100);

    @Test
    void aWriteBlockedPastTheTimeoutIsAbortedAndFailsAsAWriteTimeout() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                writing.countDown();
                try {
                    new CountDownLatch(1).await(); // a client that never reads
                } catch (InterruptedException e) {
                    throw new ClosedByInterruptException();
                }
            }
        };
        TimedOutputStream out = new TimedOutputStream(stuck, now::get);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Boolean> interruptLeft = new AtomicReference<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                out.write('x');
            } catch (IOException e) {
                failure.set(e);
            }
            interruptLeft.set(Thread.currentThread().isInterrupted());
        });
        assertTrue(writing.await(10, TimeUnit.SECONDS));

        out.abortIfStalled(now.get() + TIMEOUT, TIMEOUT); // not past the timeout yet: left alone
        assertFalse(writer.join(java.time.Duration.ofMillis(100)));
        out.abortIfStalled(now.get() + TIMEOUT + 1, TIMEOUT);
        writer.join();

        assertTrue(failure.get() instanceof WriteTimeoutException, String.valueOf(failure.get()));
        assertEquals(Boolean.FALSE, interruptLeft.get(), "the abort's interrupt must not outlive the write");
    }

    /**
     * The watchdog looks at the very moment a stalled write completes: the write's bytes went out,
     * but the interrupt is already on its way. It must not hit whatever the thread does next (a
     * pinger's sleep would die of it), and the write still counts as timed out.
     */
    @Test
    void anAbortThatLandsAsTheWriteCompletesLeavesNoInterruptBehind() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        AtomicReference<TimedOutputStream> self = new AtomicReference<>();
        OutputStream lateAbort = new OutputStream() {
            @Override
            public void write(int b) {
                sink.write(b);
                self.get().abortIfStalled(now.get() + TIMEOUT + 1, TIMEOUT); // the watchdog, just after the bytes
            }
        };
        TimedOutputStream out = new TimedOutputStream(lateAbort, now::get);
        self.set(out);

        assertThrows(WriteTimeoutException.class, () -> out.write('x'));
        assertFalse(Thread.interrupted(), "an interrupt was left pending on the writing thread");
        assertEquals(1, sink.size());
    }

    @Test
    void aWriteThatFailsOnItsOwnKeepsItsOwnError() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        TimedOutputStream out = new TimedOutputStream(broken, now::get);

        IOException e = assertThrows(IOException.class, () -> out.write('x'));
        assertEquals("Broken pipe", e.getMessage());
        out.abortIfStalled(now.get() + 10 * TIMEOUT, TIMEOUT); // nothing in flight: nothing to abort
        assertFalse(Thread.interrupted());
    }
}
