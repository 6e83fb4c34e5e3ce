package relay.stream;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import relay.time.NanoClock;

/**
 * Whether the client of an exchange has gone (closed or reset its connection), in the two forms
 * relay waits on it: the pinger sleeps on it instead of sleeping plainly, and a blocking wait for the
 * upstream runs under it ({@link #cutShort}), so a departure ends either at once rather than at the
 * next failed write. Closing it stops watching; it must be closed before the exchange's response
 * ends, because the JDK server may then hand the connection to the next request.
 */
public interface ClientDeparture extends AutoCloseable {

    /** A blocking wait on the upstream. */
    @FunctionalInterface
    interface UpstreamWait<T> {
        T call() throws IOException;
    }

    /** Sleeps up to {@code nanos} on {@code clock}, or less: true as soon as the client has gone. */
    boolean awaitGone(NanoClock clock, long nanos) throws InterruptedException;

    /**
     * Runs {@code wait} on this thread; a departure meanwhile interrupts it (a virtual thread blocked
     * in a socket read then closes that socket: the upstream request is cancelled) and ends it with
     * ClientGoneException, as does a departure that came first.
     */
    <T> T cutShort(UpstreamWait<T> wait) throws IOException, ClientGoneException;

    boolean gone();

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
        public <T> T cutShort(UpstreamWait<T> wait) throws IOException {
            return wait.call();
        }

        @Override
        public boolean gone() {
            return false;
        }

        @Override
        public void close() {
        }
    };

    /**
     * A departure signalled by whoever watches the socket; {@code onClose} stops the watching.
     * {@link #cutShort} is the pattern of the JDK's own interruptible channels (begin/end with an
     * interruptor): the thread to interrupt is published under a lock, and the watcher interrupts it
     * only while it is published, so an interrupt never lands outside the wait it was meant for.
     */
    final class Signal implements ClientDeparture {
        private final CountDownLatch left = new CountDownLatch(1);
        private final ReentrantLock waiting = new ReentrantLock();
        private final Runnable onClose;
        private final AtomicBoolean closed = new AtomicBoolean();
        /** The thread in {@link #cutShort}, or null; guarded by {@link #waiting}. */
        private Thread waiter;

        public Signal(Runnable onClose) {
            this.onClose = onClose;
        }

        /** The client has gone; called by the watcher, never blocks for longer than an interrupt. */
        public void left() {
            waiting.lock();
            try {
                left.countDown();
                if (waiter != null) {
                    waiter.interrupt();
                }
            } finally {
                waiting.unlock();
            }
        }

        @Override
        public boolean awaitGone(NanoClock clock, long nanos) throws InterruptedException {
            return left.await(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public <T> T cutShort(UpstreamWait<T> wait) throws IOException, ClientGoneException {
            waiting.lock();
            try {
                if (gone()) {
                    throw new ClientGoneException();
                }
                waiter = Thread.currentThread();
            } finally {
                waiting.unlock();
            }
            T result;
            try {
                result = wait.call();
            } catch (IOException e) {
                if (unpublish()) {
                    throw new ClientGoneException(); // the interrupt closed the upstream socket
                }
                throw e;
            } catch (RuntimeException | Error e) {
                unpublish();
                throw e;
            }
            if (unpublish()) {
                throw new ClientGoneException();
            }
            return result;
        }

        /** Stops interrupts for this thread; true if the client left, its interrupt (if any) cleared. */
        private boolean unpublish() {
            waiting.lock();
            try {
                waiter = null;
            } finally {
                waiting.unlock();
            }
            if (gone()) {
                Thread.interrupted(); // delivered after the wait was done, or not at all: either way it is spent
                return true;
            }
            return false;
        }

        @Override
        public boolean gone() {
            return left.getCount() == 0;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                onClose.run();
            }
        }
    }
}
