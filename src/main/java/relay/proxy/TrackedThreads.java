package relay.proxy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * Makes named virtual threads and counts the live ones, so relay can show (and tests can prove) that
 * no thread outlives its exchange or stream. Virtual threads do not appear in thread dumps by default.
 *
 * <p>A thread counts from the moment {@link #newThread} returns it, before anyone has started it, so a
 * "no thread left" check cannot pass while a thread is made but not yet running. It stops counting when
 * its task has ended, or when it has terminated without running its task at all: a structured task
 * scope cancelled between making a thread and starting it makes a thread that never runs (the JDK marks
 * such a virtual thread terminated as it refuses to start it). Both removals take the thread out of one
 * set, so a thread is uncounted exactly once. A thread that an executor made and then, shut down, never
 * tried to start stays new and stays counted: the count errs towards "still live", never towards "gone".
 */
final class TrackedThreads implements ThreadFactory {
    private final ThreadFactory virtual;
    /** Every thread made here that has neither finished its task nor been found terminated. */
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    TrackedThreads(String namePrefix) {
        this.virtual = Thread.ofVirtual().name(namePrefix, 0).factory();
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = virtual.newThread(() -> {
            try {
                task.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        });
        // counted before the caller can start it: the task's own removal can only come after this
        threads.add(thread);
        return thread;
    }

    /** Threads made and not yet done: not yet started, running, or still in their task. */
    int live() {
        // a thread the JDK refused to start is terminated without having run the task that removes it
        threads.removeIf(thread -> thread.getState() == Thread.State.TERMINATED);
        return threads.size();
    }

    /**
     * Asks every live thread to stop (shutdown after the drain timeout). A thread made but not yet
     * started gets the interrupt too: its task then starts interrupted.
     */
    void interruptAll() {
        threads.forEach(Thread::interrupt);
    }
}
