package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import relay.testing.Await;

/** {@link TrackedThreads#live()} counts a thread from its creation to the end of its task, and never a thread that cannot run. */
class TrackedThreadsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aThreadCountsFromCreationUntilItsTaskHasEnded() throws Exception {
        TrackedThreads tracked = new TrackedThreads("t-");
        CountDownLatch release = new CountDownLatch(1);
        Thread thread = tracked.newThread(() -> awaitQuietly(release));
        assertEquals(1, tracked.live(), "a thread made but not started was not counted");
        thread.start();
        assertEquals(1, tracked.live());
        release.countDown();
        thread.join(WAIT);
        assertFalse(thread.isAlive(), "the task did not end");
        assertEquals(0, tracked.live(), "the task has ended: the thread must no longer count");
    }

    @Test
    void aTaskThatThrowsStillUncountsItsThread() throws Exception {
        TrackedThreads tracked = new TrackedThreads("t-");
        Thread thread = tracked.newThread(() -> {
            throw new IllegalStateException("a bug in a task");
        });
        thread.setUncaughtExceptionHandler((t, e) -> { });
        thread.start();
        thread.join(WAIT);
        assertFalse(thread.isAlive());
        assertEquals(0, tracked.live());
    }

    @Test
    void aThreadACancelledScopeRefusesToStartIsNotCountedForever() throws Exception {
        TrackedThreads tracked = new TrackedThreads("t-");
        AtomicReference<StructuredTaskScope<String, String>> scopeRef = new AtomicReference<>();
        AtomicBoolean cancelledBetweenCreateAndStart = new AtomicBoolean();
        CountDownLatch secondMade = new CountDownLatch(1);
        // the second fork's thread is made, then the first subtask's success cancels the scope before the
        // scope starts that thread: the window StreamSession's pinger fork can fall into
        ThreadFactory factory = new ThreadFactory() {
            private int made;

            @Override
            public Thread newThread(Runnable task) {
                Thread thread = tracked.newThread(task);
                if (++made == 2) {
                    secondMade.countDown(); // lets the first subtask succeed, which cancels the scope
                    try {
                        cancelledBetweenCreateAndStart.set(
                                Await.until(() -> scopeRef.get().isCancelled(), WAIT));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return thread;
            }
        };
        try (var scope = StructuredTaskScope.open(Joiner.<String>anySuccessfulResultOrThrow(),
                cfg -> cfg.withThreadFactory(factory))) {
            scopeRef.set(scope);
            scope.fork(() -> {
                assertTrue(secondMade.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the second thread was never made");
                return "first";
            });
            scope.fork(() -> "never runs");
            assertEquals("first", scope.join());
        }
        assertTrue(cancelledBetweenCreateAndStart.get(), "the scope was not cancelled in the window under test");
        // close() has waited for every started thread; the one never started must not count either
        assertEquals(0, tracked.live(), "a thread that could never run is still counted");
    }

    @Test
    void interruptAllReachesAThreadMadeButNotYetStarted() throws Exception {
        TrackedThreads tracked = new TrackedThreads("t-");
        AtomicBoolean startedInterrupted = new AtomicBoolean();
        Thread thread = tracked.newThread(() -> startedInterrupted.set(Thread.currentThread().isInterrupted()));
        tracked.interruptAll();
        thread.start();
        thread.join(WAIT);
        assertTrue(startedInterrupted.get(), "a drain's interrupt was lost on a thread not yet running");
        assertEquals(0, tracked.live());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
