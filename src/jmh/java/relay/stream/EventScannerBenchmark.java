package relay.stream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Question: how fast is relay's {@link EventScanner} at splitting realistic upstream bodies into events,
 * and what does it allocate per event, compared with the obvious {@code BufferedReader.readLine} loop
 * (UTF-8 decoding, one String per line, an event ends at an empty line)? One benchmark call = one event.
 * Bodies are OpenAI ({@code data:} line) and Anthropic ({@code event:} + {@code data:}) events of
 * {@code eventSize} bytes, each arriving as its own upstream write, read at most {@code readSize} bytes
 * at a time (2048: relay's upstream read buffer, {@code HttpUpstream.READ_BUFFER}). MB/s = eventSize / (ns per event) × 1000; bytes
 * allocated per event: run with {@code -prof gc} ({@code gc.alloc.rate.norm}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EventScannerBenchmark {
    @Param({"openai", "anthropic"})
    public String format;

    @Param({"50", "200", "1024", "8192"})
    public int eventSize;

    @Param({"2048"})
    public int readSize;

    private EventScanner scanner;
    private BufferedReader reader;

    @Setup
    public void setup() {
        int writeSize = SseSamples.event(format, eventSize).length;
        byte[] body = SseSamples.body(format, eventSize, Math.max(16, (1 << 20) / writeSize));
        scanner = new EventScanner(new SseSamples.Replay(body, writeSize, readSize), 16L << 20);
        reader = new BufferedReader(new InputStreamReader(new SseSamples.Replay(body, writeSize, readSize),
                StandardCharsets.UTF_8));
    }

    @Benchmark
    public void relayEventScanner(Blackhole bh) throws IOException {
        scanner.next();
        bh.consume(scanner.buffer());
        bh.consume(scanner.start());
        bh.consume(scanner.length());
        bh.consume(scanner.isDone());
    }

    @Benchmark
    public void bufferedReaderReadLine(Blackhole bh) throws IOException {
        String line;
        while ((line = reader.readLine()) != null && !line.isEmpty()) {
            bh.consume(line);
        }
    }
}
