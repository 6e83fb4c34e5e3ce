package relay.stream;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes named virtual threads and counts the live ones, so relay can show (and tests can prove) that
 * no thread outlives its exchange or stream. Virtual threads do not appear in thread dumps by default.
 */
public final class TrackedThreads implements ThreadFactory {
    private final ThreadFactory virtual;
    private final AtomicInteger live = new AtomicInteger();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    public TrackedThreads(String namePrefix) {
        this.virtual = Thread.ofVirtual().name(namePrefix, 0).factory();
    }

    @Override
    public Thread newThread(Runnable task) {
        return virtual.newThread(() -> {
            live.incrementAndGet();
            threads.add(Thread.currentThread());
            try {
                task.run();
            } finally {
                threads.remove(Thread.currentThread());
                live.decrementAndGet();
            }
        });
    }

    public int live() {
        return live.get();
    }

    /** Asks every live thread to stop (shutdown after the drain timeout). */
    public void interruptAll() {
        threads.forEach(Thread::interrupt);
    }
}
