package relay.bench;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import relay.launch.JvmOptions;

/**
 * End-to-end load benchmark: relay as a child process between a fast loopback SSE upstream (in this
 * JVM, {@link FastSseUpstream}) and {@code --streams} concurrent streaming clients (virtual threads,
 * raw sockets, in this JVM), all on 127.0.0.1. Prints events/s, per-event latency (client receive time
 * minus the upstream's {@code nanoTime} just before its write; same JVM, same clock), relay's CPU time
 * per 100k events (utime + stime from {@code /proc/<pid>/stat}, USER_HZ 100), its peak RSS and RSS per
 * concurrent stream (VmRSS sampled every 100 ms) and its peak thread count. Everything it starts is
 * stopped at the end (the child is killed in {@code finally} and by a shutdown hook); the run is bounded
 * by {@code --timeout-s}.
 *
 * <p>{@code --leave-ms L} measures departures instead: each client reads the head and one event of a
 * stream the upstream then keeps silent, waits until {@code L} ms after its request, and closes its
 * socket; the report has the time from the client's close to relay closing the upstream connection.
 * {@code --client-watch off} starts relay without the client watch's options (the A/B of its cost).
 *
 * <pre>
 * java --enable-preview -cp target/relay-benchmarks.jar relay.bench.LoadBench \
 *     [--streams 200] [--rounds 5] [--events 200] [--interval-ms 5] [--size 40] [--ping-ms 1000]
 *     [--warmup 400] [--ramp-ms 0] [--relay-jar target/relay.jar] [--java PATH] [--jvm-opts "-Xmx512m ..."]
 *     [--leave-ms 0] [--client-watch on|off] [--upstream-keepalive off|on] [--upstream-tls off|on] [--max-idle 32] [--timeout-s 300]
 * </pre>
 */
public final class LoadBench {
    private static final long CLK_TCK = 100; // USER_HZ on Linux

    private final Map<String, String> options;
    private final int streams;
    private final int rounds;
    private final int events;
    private final int intervalMs;
    private final int size;
    private final int pingMs;
    private final int warmup;
    private final int rampMs;
    private final int leaveMs;
    private final long deadlineNanos;
    private final AtomicLong streamIds = new AtomicLong();
    /** Departure mode: per stream id, when its client closed. */
    private final Map<String, Long> leftAt = new ConcurrentHashMap<>();
    private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();

    private LoadBench(Map<String, String> options) {
        this.options = options;
        this.streams = intOption("streams", 200);
        this.rounds = intOption("rounds", 5);
        this.events = intOption("events", 200);
        this.intervalMs = intOption("interval-ms", 5);
        this.size = intOption("size", 40);
        this.pingMs = intOption("ping-ms", 1000);
        this.warmup = intOption("warmup", 400);
        this.rampMs = intOption("ramp-ms", 0);
        this.leaveMs = intOption("leave-ms", 0);
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(intOption("timeout-s", 300));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: LoadBench [--streams N] [--rounds R] [--events E] [--interval-ms I] [--size B]"
                        + " [--ping-ms P] [--warmup W] [--ramp-ms R] [--leave-ms L] [--client-watch on|off] [--relay-jar JAR]"
                        + " [--java PATH] [--jvm-opts OPTS] [--timeout-s T]");
                System.exit(2);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        System.exit(new LoadBench(options).run());
    }

    private int intOption(String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
    }

    private int run() throws Exception {
        Path jar = Path.of(options.getOrDefault("relay-jar", "target/relay.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            System.err.println("LoadBench: " + jar + " not found; build it with ./mvnw -q -Pjmh -DskipTests package");
            return 2;
        }
        String javaCommand = options.getOrDefault("java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process relay = null;
        Thread hook = null;
        boolean keepAlive = options.getOrDefault("upstream-keepalive", "off").equals("on");
        boolean tls = options.getOrDefault("upstream-tls", "off").equals("on");
        Path work = Files.createTempDirectory("relay-loadbench");
        String trust = tls ? "ca_file = \"" + BenchCertificate.create(work) + "\"\nca_mode = \"replace\"\n" : "";
        try (FastSseUpstream upstream = new FastSseUpstream(keepAlive, tls ? BenchCertificate.serverFactory(work) : null)) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Path toml = work.resolve("loadbench.toml");
            Files.writeString(toml, """
                    # generated by relay.bench.LoadBench
                    [server]
                    listen = "127.0.0.1:%d"
                    max_streams = %d

                    [ping]
                    interval = "%dms"

                    [stream]
                    idle_timeout = "120s"

                    [upstream]
                    max_idle_per_host = %d

                    [[routes]]
                    prefix = "/v1"
                    upstream = "%s"
                    %s""".formatted(port, Math.max(10_000, streams + 100), pingMs,
                    Integer.parseInt(options.getOrDefault("max-idle", "32")), upstream.baseUri(), trust));
            // relay runs with the options it ships with (the launcher's); --jvm-opts are the operator's
            List<String> command = new ArrayList<>(List.of(javaCommand));
            String jvmOpts = options.getOrDefault("jvm-opts", "").strip();
            List<String> jvm = new ArrayList<>(JvmOptions.withOperatorOptions(jvmOpts.isEmpty() ? List.of() : Arrays.asList(jvmOpts.split("\\s+"))));
            command.addAll(jvm);
            if (options.getOrDefault("client-watch", "on").equals("off")) {
                // without the options and without -jar (whose manifest carries the opens): the fallback
                command.removeAll(JvmOptions.CLIENT_WATCH);
                command.addAll(List.of("-cp", jar.toString(), "relay.launch.Launcher", toml.toString()));
            } else {
                command.addAll(List.of("-jar", jar.toString(), toml.toString()));
            }
            Path log = work.resolve("relay.log");
            System.out.println("relay LoadBench " + Instant.now() + " on " + Runtime.getRuntime().availableProcessors()
                    + " cores, bench JVM " + Runtime.version());
            System.out.println("  relay: " + String.join(" ", command));
            System.out.println("  relay log: " + log);
            long spawned = System.nanoTime();
            relay = new ProcessBuilder(command).redirectErrorStream(true).start();
            Process child = relay;
            hook = new Thread(() -> stop(child));
            Runtime.getRuntime().addShutdownHook(hook);
            CountDownLatch listening = new CountDownLatch(1);
            Thread.ofPlatform().daemon().name("relay-log").start(() -> copyLog(child, log, listening));
            if (!listening.await(30, TimeUnit.SECONDS)) {
                System.err.println("LoadBench: relay did not log 'listening' within 30 s; see " + log);
                return 1;
            }
            long startupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawned);
            long pid = child.pid();
            InetSocketAddress relayAddress = new InetSocketAddress("127.0.0.1", port);
            System.out.printf(Locale.ROOT, "  relay pid %d: %d ms from spawn to its 'listening' line%n", pid, startupMs);

            if (warmup > 0 && leaveMs == 0) {
                Phase warm = runPhase(relayAddress, Math.min(100, warmup), Math.max(1, warmup / Math.min(100, warmup)), 0);
                System.out.printf(Locale.ROOT, "  warm-up (not recorded): %d streams, %d ok, %d events%n",
                        warm.started.get(), warm.ok.get(), warm.events.get());
            }

            Sampler sampler = new Sampler(pid);
            long rssBefore = sampler.rssKib();
            long ticksBefore = cpuTicks(pid);
            Thread samplerThread = Thread.ofPlatform().daemon().name("rss-sampler").start(sampler);
            long t0 = System.nanoTime();
            Phase phase = runPhase(relayAddress, streams, rounds, rampMs);
            long wallNanos = System.nanoTime() - t0;
            long ticksAfter = cpuTicks(pid);
            sampler.stop = true;
            samplerThread.join();
            report(phase, wallNanos, (ticksAfter - ticksBefore) / (double) CLK_TCK, rssBefore, sampler);
            System.out.printf(Locale.ROOT, "  upstream: %d connections for %d streams (%s, keep-alive %s, max_idle_per_host %s)%n",
                    upstream.connections(), upstream.streamsServed(), tls ? "TLS" : "plain TCP", keepAlive ? "on" : "off",
                    options.getOrDefault("max-idle", "32"));
            if (leaveMs > 0) {
                reportDepartures(upstream);
            }
            boolean alive = child.isAlive();
            if (!alive) {
                System.out.println("  relay DIED during the run (exit " + child.exitValue() + "); see " + log);
            }
            return phase.failed.get() == 0 && alive ? 0 : 1;
        } finally {
            if (relay != null) {
                stop(relay);
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down
                }
            }
        }
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }

    private static void copyLog(Process process, Path log, CountDownLatch listening) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(Files.newBufferedWriter(log))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.contains(" listening on ")) {
                    listening.countDown();
                }
                out.println(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** The clients of one phase: {@code clients} virtual threads, each running {@code rounds} streams in turn. */
    private static final class Phase {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicLong events = new AtomicLong();
        final AtomicLong pings = new AtomicLong();
        final AtomicInteger concurrent = new AtomicInteger();
        final AtomicInteger peakConcurrent = new AtomicInteger();
        final ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        /** Per stream, the longest wait between two arrivals, counting from the request to the first byte (ns). */
        final ConcurrentLinkedQueue<Long> silences = new ConcurrentLinkedQueue<>();
        /** Per stream, from the request's last byte written to its first event received (ns): TTFB through relay. */
        final ConcurrentLinkedQueue<Long> firstEvents = new ConcurrentLinkedQueue<>();
    }

    private Phase runPhase(InetSocketAddress relay, int clients, int streamsPerClient, int rampMillis) throws InterruptedException {
        Phase phase = new Phase();
        List<Thread> threads = new ArrayList<>(clients);
        long begin = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            long startAt = begin + TimeUnit.MILLISECONDS.toNanos((long) rampMillis * c / clients);
            threads.add(Thread.ofVirtual().start(() -> {
                long wait = startAt - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(java.time.Duration.ofNanos(wait)); // the ramp: this client's start time
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                for (int r = 0; r < streamsPerClient && System.nanoTime() < deadlineNanos; r++) {
                    phase.started.incrementAndGet();
                    int now = phase.concurrent.incrementAndGet();
                    phase.peakConcurrent.accumulateAndGet(now, Math::max);
                    try {
                        if (leaveMs > 0) {
                            oneDeparture(relay);
                        } else {
                            oneStream(relay, phase);
                        }
                        phase.ok.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        phase.failed.incrementAndGet();
                        if (phase.errors.size() < 5) {
                            phase.errors.add(e.toString());
                        }
                    } finally {
                        phase.concurrent.decrementAndGet();
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || !thread.join(java.time.Duration.ofNanos(left))) {
                System.out.println("  --timeout-s reached: closing the clients' sockets");
                for (Socket socket : openSockets) {
                    try {
                        socket.close();
                    } catch (IOException e) {
                        // closing anyway
                    }
                }
                thread.join(java.time.Duration.ofSeconds(10));
            }
        }
        return phase;
    }

    private void oneStream(InetSocketAddress relay, Phase phase) throws IOException {
        byte[] body = "{\"model\":\"bench\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.US_ASCII);
        String head = "POST /v1/chat/completions?events=" + events + "&interval_ms=" + intervalMs + "&size=" + size
                + " HTTP/1.1\r\nHost: " + relay.getHostString() + ":" + relay.getPort()
                + "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        long[] latencies = new long[events];
        int received = 0;
        long longestGap = 0;
        try (Socket socket = new Socket()) {
            openSockets.add(socket);
            try {
                socket.connect(relay, 10_000);
                socket.setSoTimeout(60_000);
                OutputStream out = socket.getOutputStream();
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                long lastArrival = System.nanoTime();
                long sent = lastArrival;
                InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
                String status = line(in);
                if (!status.startsWith("HTTP/1.1 200")) {
                    throw new IOException("relay answered " + status);
                }
                boolean chunked = false;
                String header;
                while (!(header = line(in)).isEmpty()) {
                    if (header.toLowerCase(Locale.ROOT).startsWith("transfer-encoding:") && header.toLowerCase(Locale.ROOT).contains("chunked")) {
                        chunked = true;
                    }
                }
                SseLines sse = new SseLines(size + 1024);
                byte[] buffer = new byte[8192];
                while (!sse.done) {
                    int n;
                    if (chunked) {
                        String sizeLine = line(in);
                        int chunkSize = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
                        if (chunkSize == 0) {
                            break;
                        }
                        if (chunkSize > buffer.length) {
                            buffer = new byte[chunkSize];
                        }
                        in.readNBytes(buffer, 0, chunkSize);
                        line(in);
                        n = chunkSize;
                    } else {
                        n = in.read(buffer);
                        if (n == -1) {
                            break;
                        }
                    }
                    long now = System.nanoTime();
                    longestGap = Math.max(longestGap, now - lastArrival);
                    lastArrival = now;
                    sse.feed(buffer, n, now);
                    if (received == 0 && sse.pendingLatencies > 0) {
                        phase.firstEvents.add(now - sent);
                    }
                    while (sse.pendingLatencies > 0) {
                        long latency = sse.takeLatency();
                        if (received < latencies.length) {
                            latencies[received] = latency;
                        }
                        received++;
                    }
                }
                phase.pings.addAndGet(sse.pings);
                if (!sse.done) {
                    throw new IOException("stream ended without [DONE] after " + received + " events");
                }
            } finally {
                openSockets.remove(socket);
            }
        } finally {
            phase.silences.add(longestGap);
            phase.events.addAndGet(received);
            phase.latencies.add(Arrays.copyOf(latencies, Math.min(received, latencies.length)));
        }
    }

    /** A client that reads the head and the first event, then leaves at {@code leaveMs} after its request. */
    private void oneDeparture(InetSocketAddress relay) throws IOException {
        String id = Long.toString(streamIds.incrementAndGet());
        byte[] body = "{\"model\":\"bench\",\"stream\":true}".getBytes(StandardCharsets.US_ASCII);
        String head = "POST /v1/chat/completions?wait_close=1&id=" + id + " HTTP/1.1\r\nHost: relay\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
        try (Socket socket = new Socket()) {
            openSockets.add(socket);
            try {
                socket.connect(relay, 10_000);
                socket.setSoTimeout(60_000);
                long start = System.nanoTime();
                OutputStream out = socket.getOutputStream();
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
                if (!line(in).startsWith("HTTP/1.1 200")) {
                    throw new IOException("relay did not answer 200");
                }
                while (!line(in).startsWith("data:")) {
                    // head, chunk size line: up to the first event
                }
                long wait = start + TimeUnit.MILLISECONDS.toNanos(leaveMs) - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(java.time.Duration.ofNanos(wait)); // the client's think time before it leaves
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                leftAt.put(id, System.nanoTime());
                socket.close(); // the client leaves: a FIN
            } finally {
                openSockets.remove(socket);
            }
        }
    }

    private void reportDepartures(FastSseUpstream upstream) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<Long> latencies = new ArrayList<>();
        int unnoticed = 0;
        for (Map.Entry<String, Long> left : leftAt.entrySet()) {
            Long closed;
            while ((closed = upstream.closedNanos(left.getKey())) == null && System.nanoTime() < deadline) {
                Thread.sleep(10); // the upstream's record of relay's close, polled for at most 30 s overall
            }
            if (closed == null) {
                unnoticed++;
            } else {
                latencies.add(closed - left.getValue());
            }
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "  departures:  %d clients left after %d ms; upstream closed after: p50 %d us  p90 %d us"
                + "  p99 %d us  max %d us; %d not closed within 30 s%n", leftAt.size(), leaveMs, percentile(sorted, 0.50),
                percentile(sorted, 0.90), percentile(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1000,
                unnoticed);
    }

    /** Reads a CRLF line as ASCII. */
    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(32);
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        if (b == -1) {
            throw new IOException("relay closed the connection mid-response");
        }
        return line.toString();
    }

    /** SSE lines of one stream: data lines with a {@code "t":} timestamp, comment lines (pings), {@code [DONE]}. */
    private static final class SseLines {
        private final byte[] line;
        private int length;
        private final long[] latencies = new long[256];
        int pendingLatencies;
        private int taken;
        long pings;
        boolean done;

        SseLines(int maxLine) {
            this.line = new byte[maxLine];
        }

        void feed(byte[] bytes, int n, long nowNanos) {
            for (int i = 0; i < n; i++) {
                byte b = bytes[i];
                if (b == '\n') {
                    endLine(nowNanos);
                    length = 0;
                } else if (length < line.length) {
                    line[length++] = b;
                }
            }
        }

        private void endLine(long nowNanos) {
            if (length > 0 && line[0] == ':') {
                pings++;
            } else if (startsWith("data: [DONE]")) {
                done = true;
            } else if (startsWith("data:")) {
                long t = timestamp();
                if (t != 0 && pendingLatencies + taken < latencies.length) {
                    latencies[taken + pendingLatencies++] = nowNanos - t;
                }
            }
        }

        long takeLatency() {
            long value = latencies[taken++];
            if (--pendingLatencies == 0) {
                taken = 0;
            }
            return value;
        }

        private boolean startsWith(String prefix) {
            if (length < prefix.length()) {
                return false;
            }
            for (int i = 0; i < prefix.length(); i++) {
                if (line[i] != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** The number after the last {@code "t":} of the line (the upstream puts it last). */
        private long timestamp() {
            for (int i = length - 5; i >= 0; i--) {
                if (line[i] == '"' && line[i + 1] == 't' && line[i + 2] == '"' && line[i + 3] == ':') {
                    long value = 0;
                    for (int k = i + 4; k < length && line[k] >= '0' && line[k] <= '9'; k++) {
                        value = value * 10 + (line[k] - '0');
                    }
                    return value;
                }
            }
            return 0;
        }
    }

    /** Samples relay's VmRSS and thread count every 100 ms. */
    private static final class Sampler implements Runnable {
        private final Path status;
        volatile boolean stop;
        volatile long peakRssKib;
        volatile long peakThreads;

        Sampler(long pid) {
            this.status = Path.of("/proc", Long.toString(pid), "status");
        }

        long rssKib() {
            return field("VmRSS:");
        }

        private long field(String name) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith(name)) {
                        return Long.parseLong(line.substring(name.length()).replace("kB", "").strip());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // the process is gone
            }
            return 0;
        }

        @Override
        public void run() {
            while (!stop) {
                peakRssKib = Math.max(peakRssKib, field("VmRSS:"));
                peakThreads = Math.max(peakThreads, field("Threads:"));
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** utime + stime of a process in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 of stat(5)
    }

    private void report(Phase phase, long wallNanos, double cpuSeconds, long rssBeforeKib, Sampler sampler) {
        long total = 0;
        for (long[] l : phase.latencies) {
            total += l.length;
        }
        long[] all = new long[(int) total];
        int at = 0;
        for (long[] l : phase.latencies) {
            System.arraycopy(l, 0, all, at, l.length);
            at += l.length;
        }
        Arrays.sort(all);
        double seconds = wallNanos / 1e9;
        long eventsReceived = phase.events.get();
        int peakStreams = Math.max(1, phase.peakConcurrent.get());
        System.out.printf(Locale.ROOT, "%n  load: streams=%d (concurrent) x rounds=%d, events=%d per stream, interval_ms=%d, size=%d, ping_ms=%d%n",
                streams, rounds, events, intervalMs, size, pingMs);
        System.out.printf(Locale.ROOT, "  streams:     %d started, %d ok, %d failed; peak concurrent %d%n",
                phase.started.get(), phase.ok.get(), phase.failed.get(), phase.peakConcurrent.get());
        for (String error : phase.errors) {
            System.out.println("    failure: " + error);
        }
        System.out.printf(Locale.ROOT, "  events:      %d received, %.0f events/s over %.2f s; pings %.2f per stream%n",
                eventsReceived, eventsReceived / seconds, seconds, phase.pings.get() / (double) Math.max(1, phase.started.get()));
        System.out.printf(Locale.ROOT, "  latency us:  p50 %d  p90 %d  p99 %d  max %d  (n=%d)%n",
                percentile(all, 0.50), percentile(all, 0.90), percentile(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1000,
                all.length);
        long[] firsts = phase.firstEvents.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "  first event us: request sent to first event received: p50 %d  p90 %d  p99 %d%n",
                percentile(firsts, 0.50), percentile(firsts, 0.90), percentile(firsts, 0.99));
        long[] silences = phase.silences.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "  silence ms:  per stream longest gap between arrivals (request to first byte included): p50 %d  p99 %d  max %d%n",
                percentile(silences, 0.50) / 1000, percentile(silences, 0.99) / 1000,
                silences.length == 0 ? 0 : silences[silences.length - 1] / 1_000_000);
        System.out.printf(Locale.ROOT, "  relay CPU:   %.2f s (utime+stime) = %.3f s per 100k events%n",
                cpuSeconds, cpuSeconds * 100_000 / Math.max(1, eventsReceived));
        System.out.printf(Locale.ROOT, "  relay RSS:   %.1f MiB before, %.1f MiB peak; (peak - before) / %d peak streams = %.1f KiB per stream%n",
                rssBeforeKib / 1024.0, sampler.peakRssKib / 1024.0, peakStreams,
                (sampler.peakRssKib - rssBeforeKib) / (double) peakStreams);
        System.out.printf(Locale.ROOT, "  relay threads: peak %d%n", sampler.peakThreads);
    }

    private static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1000;
    }
}
