package relay.proxy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import relay.time.NanoClock;

/**
 * Enforces {@code ping.write_timeout} on every client response. The JDK server has no per-write
 * timeout, so one virtual thread per server looks at every exchange's in-flight write a few times per
 * timeout and aborts writes that have been blocked too long. One thread for all exchanges keeps the
 * write path free of timers.
 */
final class WriteWatchdog implements AutoCloseable {
    private final Set<TimedOutputStream> outputs = ConcurrentHashMap.newKeySet();
    private final long timeoutNanos;
    private final Duration tick;
    private final NanoClock clock;
    private final Thread thread;

    WriteWatchdog(Duration timeout, NanoClock clock) {
        this.timeoutNanos = timeout.toNanos();
        // A stalled write is aborted within write_timeout + one tick (at most 1 s, or a quarter of the timeout).
        this.tick = timeout.dividedBy(4).compareTo(Duration.ofSeconds(1)) > 0
                ? Duration.ofSeconds(1) : timeout.dividedBy(4);
        this.clock = clock;
        this.thread = Thread.ofVirtual().name("relay-write-watchdog").start(this::run);
    }

    void watch(TimedOutputStream out) {
        outputs.add(out);
    }

    void forget(TimedOutputStream out) {
        outputs.remove(out);
    }

    private void run() {
        try {
            while (true) {
                Thread.sleep(tick);
                long now = clock.nanoTime();
                for (TimedOutputStream out : outputs) {
                    out.abortIfStalled(now, timeoutNanos);
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join();
    }
}
