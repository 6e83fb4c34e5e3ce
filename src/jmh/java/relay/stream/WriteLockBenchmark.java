package relay.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import relay.time.NanoClock;

/**
 * Question: which lock should guard one stream's client writes, when the scanner (one event per
 * write) and the pinger (one ping per write) contend for it, and how long can a ping hold an event
 * back? Two platform threads (JMH sample 15: {@code @Group} with one scanner and one pinger thread),
 * the pinger writing as fast as it can: the worst case, a real pinger writes once per interval.
 * Writes go to a counting sink so that the lock, not the IO, is what is measured. Mode SampleTime:
 * the scanner's mean is the time per event write; its percentiles (p99, p99.99, max) are how long a
 * ping can delay an event. {@code alone} is the uncontended scanner, for reference.
 *
 * <p>{@code lock}: {@code reentrant} ({@code ReentrantLock.lockInterruptibly}, what relay uses),
 * {@code fair} (fair {@code ReentrantLock}), {@code synchronized} (a monitor; JDK 24+ no longer pins
 * virtual threads on it), {@code tryLockPinger} (scanner as {@code reentrant}, the pinger
 * {@code tryLock()}s and skips when a write is in progress: a write in progress makes the ping
 * unnecessary), {@code relay} (relay's own {@link ClientWriter}: {@code writeEvent} and
 * {@code pingIfDue}, with its in-flight bookkeeping for the watchdog). Virtual threads:
 * {@link WriteLockThreadsBenchmark}.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class WriteLockBenchmark {
    @Param({"reentrant", "fair", "synchronized", "tryLockPinger", "relay"})
    public String lock;

    StreamWriteModel writer;

    @Setup
    public void setup() {
        writer = StreamWriteModel.of(lock);
    }

    @Benchmark
    @Group("contended")
    @GroupThreads(1)
    public void scanner() throws Exception {
        writer.event();
    }

    @Benchmark
    @Group("contended")
    @GroupThreads(1)
    public void pinger() throws Exception {
        writer.ping();
    }

    @Benchmark
    @Group("alone")
    @GroupThreads(1)
    public void scannerAlone() throws Exception {
        writer.event();
    }

    /** One stream's writer reduced to its lock: an event write and a ping write, each write + flush. */
    abstract static class StreamWriteModel {
        static final byte[] EVENT = ("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,"
                + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n")
                .getBytes(StandardCharsets.UTF_8);
        static final byte[] PING = ": PING\n\n".getBytes(StandardCharsets.UTF_8);

        final CountingSink sink = new CountingSink();
        volatile long lastWriteNanos;

        abstract void event() throws IOException, InterruptedException;

        abstract void ping() throws IOException, InterruptedException;

        final void write(byte[] bytes) throws IOException {
            sink.write(bytes, 0, bytes.length);
            sink.flush();
            lastWriteNanos = System.nanoTime();
        }

        static StreamWriteModel of(String lock) {
            return switch (lock) {
                case "reentrant" -> new Locked(new ReentrantLock(), false);
                case "fair" -> new Locked(new ReentrantLock(true), false);
                case "tryLockPinger" -> new Locked(new ReentrantLock(), true);
                case "synchronized" -> new Monitor();
                case "relay" -> new Relay();
                default -> throw new IllegalArgumentException(lock);
            };
        }
    }

    static final class Locked extends StreamWriteModel {
        private final ReentrantLock lock;
        private final boolean pingerTries;

        Locked(ReentrantLock lock, boolean pingerTries) {
            this.lock = lock;
            this.pingerTries = pingerTries;
        }

        @Override
        void event() throws IOException, InterruptedException {
            lock.lockInterruptibly();
            try {
                write(EVENT);
            } finally {
                lock.unlock();
            }
        }

        @Override
        void ping() throws IOException, InterruptedException {
            if (pingerTries) {
                if (!lock.tryLock()) {
                    return; // a write is in progress: the stream is not silent
                }
            } else {
                lock.lockInterruptibly();
            }
            try {
                write(PING);
            } finally {
                lock.unlock();
            }
        }
    }

    static final class Monitor extends StreamWriteModel {
        @Override
        synchronized void event() throws IOException {
            write(EVENT);
        }

        @Override
        synchronized void ping() throws IOException {
            write(PING);
        }
    }

    /** relay's ClientWriter itself; interval 0 makes every ping due. */
    static final class Relay extends StreamWriteModel {
        private final ClientWriter writer = new ClientWriter(sink, NanoClock.SYSTEM);

        @Override
        void event() throws IOException, InterruptedException {
            writer.writeEvent(EVENT, 0, EVENT.length);
        }

        @Override
        void ping() throws IOException, InterruptedException {
            writer.pingIfDue(PING, 0);
        }
    }

    /** Counts bytes; the cheapest OutputStream that still cannot be optimised away. */
    static final class CountingSink extends OutputStream {
        long bytes;
        long flushes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }

        @Override
        public void flush() {
            flushes++;
        }
    }
}
