package relay.stream;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import relay.stream.WriteLockBenchmark.StreamWriteModel;

/**
 * Question: does the answer of {@link WriteLockBenchmark} change when scanner and pinger are virtual
 * threads, as they are in relay? JMH's own worker threads are platform threads, so each invocation
 * starts its own scanner and pinger thread ({@code threads} = {@code platform} or {@code virtual}):
 * the scanner writes {@value #EVENTS} events while the pinger pings back to back (worst case) until
 * the scanner is done. Score: ns per event, thread start and join included (amortised over the
 * events). Each event write is also timed (two {@code nanoTime} calls, ~40 ns, in every variant) into
 * a log2 histogram whose percentiles are printed at the end of the run: how long a ping can delay an
 * event, including a virtual thread's park/unpark when the lock is contended.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class WriteLockThreadsBenchmark {
    static final int EVENTS = 20_000;

    @Param({"reentrant", "fair", "synchronized", "tryLockPinger", "relay"})
    public String lock;

    @Param({"platform", "virtual"})
    public String threads;

    private final AtomicLongArray histogram = new AtomicLongArray(64);
    private Thread.Builder builder;

    @Setup(Level.Trial)
    public void setup() {
        builder = threads.equals("virtual") ? Thread.ofVirtual() : Thread.ofPlatform();
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long scannerAndPinger() throws Exception {
        StreamWriteModel writer = StreamWriteModel.of(lock);
        var done = new java.util.concurrent.atomic.AtomicBoolean();
        long[] pings = new long[1];
        Thread pinger = builder.start(() -> {
            try {
                while (!done.get()) {
                    writer.ping();
                    pings[0]++;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread scanner = builder.start(() -> {
            try {
                for (int i = 0; i < EVENTS; i++) {
                    long t0 = System.nanoTime();
                    writer.event();
                    record(System.nanoTime() - t0);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                done.set(true);
            }
        });
        scanner.join();
        pinger.join();
        return writer.sink.bytes + pings[0];
    }

    private void record(long nanos) {
        histogram.incrementAndGet(64 - Long.numberOfLeadingZeros(Math.max(1, nanos)));
    }

    @TearDown(Level.Trial)
    public void report() {
        long total = 0;
        for (int i = 0; i < histogram.length(); i++) {
            total += histogram.get(i);
        }
        StringBuilder line = new StringBuilder("\n[event write time, all iterations incl. warm-up] lock=")
                .append(lock).append(" threads=").append(threads).append(" n=").append(total);
        double[] quantiles = {0.5, 0.9, 0.99, 0.999, 0.9999, 1.0};
        String[] names = {"p50", "p90", "p99", "p99.9", "p99.99", "max"};
        for (int q = 0; q < quantiles.length; q++) {
            long rank = (long) Math.ceil(quantiles[q] * total);
            long seen = 0;
            for (int i = 0; i < histogram.length(); i++) {
                seen += histogram.get(i);
                if (seen >= rank) {
                    line.append(' ').append(names[q]).append("<=").append(format(1L << i));
                    break;
                }
            }
        }
        System.out.println(line);
    }

    private static String format(long nanos) {
        if (nanos < 10_000) {
            return nanos + "ns";
        }
        if (nanos < 10_000_000) {
            return (nanos / 1000) + "us";
        }
        return (nanos / 1_000_000) + "ms";
    }
}
