package relay.time;

import java.time.Duration;

/**
 * Monotonic time and waiting on it, injected so that deadline arithmetic (the pinger's "last write +
 * interval", the idle and max-duration deadlines) can be tested without waiting: a test clock
 * advances its time in {@link #sleep} instead of sleeping.
 */
@FunctionalInterface
public interface NanoClock {
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();

    default void sleep(long nanos) throws InterruptedException {
        Thread.sleep(Duration.ofNanos(nanos));
    }
}
