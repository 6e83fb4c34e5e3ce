package relay.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import relay.bench.FastSseUpstream;
import relay.config.UpstreamSettings;
import relay.stream.EventScanner;

/**
 * Question: which HTTP client should relay read upstream event streams with? One invocation opens
 * one stream from a loopback upstream in this JVM ({@link FastSseUpstream}: {@value #EVENTS} chunked
 * OpenAI events of ~200 B, as fast as it can write them, {@code Connection: close}) and reads it to
 * the end through relay's {@link EventScanner}, with {@code client} = {@code relay} (relay's own
 * {@link HttpUpstream}), {@code httpClient} ({@code java.net.http.HttpClient}, HTTP/1.1,
 * {@code BodyHandlers.ofInputStream()}) or {@code httpUrlConnection}. Score: wall time per event,
 * connect included (one connection per stream, as relay does). Process CPU per event (server, client
 * and any client-owned threads, such as HttpClient's selector thread, together; the server's share
 * is the same for all three) is printed at the end of each run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class UpstreamClientBenchmark {
    static final int EVENTS = 1000;

    @Param({"relay", "httpClient", "httpUrlConnection"})
    public String client;

    private FastSseUpstream upstream;
    private URI uri;
    private HttpUpstream relayClient;
    private HttpClient httpClient;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long cpuAtStart;
    private long eventsAtStart;
    private long events;
    private long measuredCpu;
    private long measuredEvents;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        upstream = new FastSseUpstream();
        uri = URI.create(upstream.baseUri() + "/v1/chat/completions?events=" + EVENTS + "&size=120");
        relayClient = new HttpUpstream(URI.create(upstream.baseUri()), UpstreamSettings.DEFAULTS, Duration.ofSeconds(30),
                HttpUpstream.newWriteTimer());
        httpClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @Setup(Level.Iteration)
    public void iterationStart() {
        cpuAtStart = os.getProcessCpuTime();
        eventsAtStart = events;
    }

    @TearDown(Level.Iteration)
    public void iterationEnd() {
        measuredCpu += os.getProcessCpuTime() - cpuAtStart;
        measuredEvents += events - eventsAtStart;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long readStream() throws Exception {
        return switch (client) {
            case "relay" -> {
                UpstreamResponse response = relayClient.send(new UpstreamRequest("GET", uri.getRawPath() + "?" + uri.getRawQuery(),
                        List.of(new Header("Accept", "text/event-stream")), InputStream.nullInputStream(), 0));
                try (response) {
                    yield scan(response.body());
                }
            }
            case "httpClient" -> {
                HttpResponse<InputStream> response = httpClient.send(
                        HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = response.body()) {
                    yield scan(body);
                }
            }
            case "httpUrlConnection" -> {
                HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
                connection.setRequestProperty("Accept", "text/event-stream");
                try (InputStream body = connection.getInputStream()) {
                    yield scan(body);
                } finally {
                    connection.disconnect();
                }
            }
            default -> throw new IllegalArgumentException(client);
        };
    }

    private long scan(InputStream body) throws IOException {
        EventScanner scanner = new EventScanner(body, 16L << 20);
        long bytes = 0;
        int n = 0;
        while (scanner.next()) {
            bytes += scanner.length();
            n++;
        }
        if (n != EVENTS + 1) {
            throw new IllegalStateException("expected " + (EVENTS + 1) + " events, got " + n);
        }
        events += EVENTS;
        return bytes;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        System.out.printf("%n[upstream client] client=%s process CPU %.0f ns/event over %d measured events (threads now: %d)%n",
                client, (double) measuredCpu / Math.max(1, measuredEvents), measuredEvents, Thread.activeCount());
        httpClient.close();
        upstream.close();
    }
}
