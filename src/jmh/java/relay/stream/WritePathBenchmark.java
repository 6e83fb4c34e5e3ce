package relay.stream;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import relay.time.NanoClock;

/**
 * Question: what does it cost to send one event to the client, the way relay does it:
 * {@link ClientWriter#writeEvent} (lock, write, flush) on the response body of a real JDK
 * {@code HttpServer} exchange ({@code sendResponseHeaders(200, 0)}: chunked, {@code TCP_NODELAY} on as
 * relay sets it), read by a loopback client that drains the socket? {@code rawSocket} writes the same
 * bytes with one {@code write} per event to a plain loopback socket: the floor (one syscall). Time per
 * event and, with {@code -prof gc}, bytes allocated per event; bytes on the wire per event (chunk
 * framing included) are printed at the end of each run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class WritePathBenchmark {
    @Param({"200", "2048"})
    public int eventSize;

    private byte[] event;
    private HttpServer server;
    private final CountDownLatch release = new CountDownLatch(1);
    private ClientWriter writer;
    private Socket client;
    private Thread drain;
    private final AtomicLong received = new AtomicLong();
    private long written;
    private Socket rawServerSide;
    private OutputStream rawOut;
    private Socket rawClient;
    private Thread rawDrain;
    private final AtomicLong rawReceived = new AtomicLong();
    private long rawWritten;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // as relay sets it before its server starts
        event = SseSamples.event("openai", eventSize);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        server = HttpServer.create(new InetSocketAddress(loopback, 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        CompletableFuture<OutputStream> body = new CompletableFuture<>();
        server.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.flush();
            body.complete(out);
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
        client = new Socket(loopback, server.getAddress().getPort());
        client.getOutputStream().write(("GET /stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        client.getOutputStream().flush();
        drain = Thread.ofPlatform().daemon().start(() -> drainInto(client, received));
        writer = new ClientWriter(body.get(10, TimeUnit.SECONDS), NanoClock.SYSTEM);

        try (var listener = new java.net.ServerSocket(0, 1, loopback)) {
            rawClient = new Socket(loopback, listener.getLocalPort());
            rawServerSide = listener.accept();
        }
        rawServerSide.setTcpNoDelay(true);
        rawOut = rawServerSide.getOutputStream();
        rawDrain = Thread.ofPlatform().daemon().start(() -> drainInto(rawClient, rawReceived));
    }

    private static void drainInto(Socket socket, AtomicLong counter) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = socket.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                counter.addAndGet(n);
            }
        } catch (IOException e) {
            // closed at tear-down
        }
    }

    @Benchmark
    public void clientWriterOnHttpServer() throws Exception {
        writer.writeEvent(event, 0, event.length);
        written++;
    }

    @Benchmark
    public void rawSocket() throws IOException {
        rawOut.write(event);
        rawOut.flush();
        rawWritten++;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Thread.sleep(200); // let the drains catch up
        if (written > 0) {
            System.out.printf("%n[write path] eventSize=%d payload=%d B, on the wire %.1f B/event over %d events (HttpServer chunked)%n",
                    eventSize, event.length, (double) received.get() / written, written);
        }
        if (rawWritten > 0) {
            System.out.printf("%n[write path] eventSize=%d payload=%d B, on the wire %.1f B/event over %d events (raw socket)%n",
                    eventSize, event.length, (double) rawReceived.get() / rawWritten, rawWritten);
        }
        release.countDown();
        client.close();
        rawClient.close();
        rawServerSide.close();
        server.stop(0);
    }
}
