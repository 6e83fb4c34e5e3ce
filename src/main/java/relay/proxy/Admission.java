package relay.proxy;

import java.util.concurrent.Semaphore;

/**
 * Bounds concurrent proxied exchanges to {@code server.max_streams}, so that relay refuses work with
 * a 503 before it runs out of memory, instead of dying of it.
 */
final class Admission {
    private final Semaphore slots;
    private final int limit;

    Admission(int limit) {
        this.limit = limit;
        this.slots = new Semaphore(limit);
    }

    boolean tryEnter() {
        return slots.tryAcquire();
    }

    void leave() {
        slots.release();
    }

    int active() {
        return limit - slots.availablePermits();
    }

    int limit() {
        return limit;
    }
}
