package relay.stream;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import relay.time.NanoClock;

/**
 * Whether the client of an exchange has gone (closed or reset its connection), as a wait: the
 * pinger waits on it instead of sleeping, so a departure ends the stream at once rather than at
 * the next failed write. Closing it stops watching; it must be closed before the exchange's
 * response ends, because the JDK server may then hand the connection to the next request.
 */
public interface ClientDeparture extends AutoCloseable {

    /** Sleeps up to {@code nanos} on {@code clock}, or less: true as soon as the client has gone. */
    boolean awaitGone(NanoClock clock, long nanos) throws InterruptedException;

    /** Waits with no limit until the client has gone (a watcher subtask's whole job). */
    void awaitGone() throws InterruptedException;

    boolean gone();

    /** Whether a departure can be noticed at all: false when the exchange is not watched. */
    boolean watched();

    @Override
    void close();

    /** Not watched: waiting is plain sleeping, and relay notices a departure when a write fails. */
    ClientDeparture UNWATCHED = new ClientDeparture() {
        @Override
        public boolean awaitGone(NanoClock clock, long nanos) throws InterruptedException {
            clock.sleep(nanos);
            return false;
        }

        @Override
        public void awaitGone() throws InterruptedException {
            throw new IllegalStateException("an unwatched exchange has no departure to wait for");
        }

        @Override
        public boolean gone() {
            return false;
        }

        @Override
        public boolean watched() {
            return false;
        }

        @Override
        public void close() {
        }
    };

    /** A departure signalled by whoever watches the socket; {@link #onClose} stops the watching. */
    final class Signal implements ClientDeparture {
        private final CountDownLatch left = new CountDownLatch(1);
        private final Runnable onClose;
        private final AtomicBoolean closed = new AtomicBoolean();

        public Signal(Runnable onClose) {
            this.onClose = onClose;
        }

        /** The client has gone; called by the watcher. */
        public void left() {
            left.countDown();
        }

        @Override
        public boolean awaitGone(NanoClock clock, long nanos) throws InterruptedException {
            return left.await(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void awaitGone() throws InterruptedException {
            left.await();
        }

        @Override
        public boolean gone() {
            return left.getCount() == 0;
        }

        @Override
        public boolean watched() {
            return true;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                onClose.run();
            }
        }
    }
}
