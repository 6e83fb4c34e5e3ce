package relay.stream;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: what does looking for token usage cost per relayed event? Issue 6 allows it under 5 % of
 * the per-event CPU of the write path ({@link WritePathBenchmark}: about 5–6 µs per event here).
 * {@code ordinaryEvent} is the cost paid by every content chunk (a bounded search of its last 512 ({@code UsageMeter.TAIL})
 * bytes that finds nothing); {@code usageEvent} is the rare chunk that carries {@code "usage"} and is
 * parsed with jackson (once or twice per stream).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class UsageMeterBenchmark {
    @Param({"openai", "anthropic"})
    public String format;

    @Param({"200", "2048"})
    public int eventSize;

    private byte[] ordinary;
    private byte[] usage;
    private UsageMeter meter;

    @Setup
    public void setUp() {
        ordinary = SseSamples.event(format, eventSize);
        usage = (format.equals("openai")
                ? "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":200,\"total_tokens\":212}}\n\n"
                : "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n")
                .getBytes(StandardCharsets.UTF_8);
        meter = new UsageMeter();
    }

    @Benchmark
    public UsageMeter ordinaryEvent() {
        meter.observe(ordinary, 0, ordinary.length);
        return meter;
    }

    @Benchmark
    public UsageMeter usageEvent() {
        meter.observe(usage, 0, usage.length);
        return meter;
    }
}
