package relay.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scriptable upstream on a real loopback socket: each accepted connection's request is parsed, then
 * the test's script writes whatever bytes it likes. It records when relay closes each connection, which
 * is how tests prove a paid upstream request was cancelled.
 *
 * <p>relay's {@code connect} returns as soon as the kernel has put the connection in this socket's
 * backlog; this upstream only sees it when its acceptor thread gets to {@code accept()}. So a counter read
 * right after relay answered its client can miss a connection relay has already made (and even closed).
 * Everything here that reports on "the connections relay made" first runs a {@linkplain #barrier barrier}:
 * a probe connection of its own, which the acceptor sees only after every connection queued before it
 * (the accept queue is first in, first out). For "the request never reached the upstream", tests send a
 * valid sentinel request afterwards and check with {@link #onlyConnection} that it was the first and only
 * one the upstream saw.
 */
public final class TestUpstream implements AutoCloseable {
    private static final Duration BARRIER_WAIT = Duration.ofSeconds(10);

    @FunctionalInterface
    public interface Script {
        void run(Conn conn) throws Exception;
    }

    private final ServerSocket server;
    private final Script script;
    private final Thread acceptor;
    private final AtomicInteger open = new AtomicInteger();
    /** Every connection relay opened, in the order they were accepted (probes excluded). */
    private final List<Conn> all = new CopyOnWriteArrayList<>();
    /** Connections in accept order, whether or not their request was complete, for {@link #nextAccepted}. */
    private final BlockingQueue<Conn> accepted = new LinkedBlockingQueue<>();
    /** Connections whose request was read completely, for {@link #nextConnection}. */
    private final BlockingQueue<Conn> connections = new LinkedBlockingQueue<>();
    /** What scripts threw besides I/O errors (a failed assertion, a bug): reported by {@link #close}. */
    private final List<Throwable> scriptFailures = new CopyOnWriteArrayList<>();
    /** Local ports of barrier probes not yet seen by the acceptor. */
    private final Map<Integer, CountDownLatch> probes = new ConcurrentHashMap<>();

    public TestUpstream(Script script) throws IOException {
        this.server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        this.script = script;
        this.acceptor = Thread.ofPlatform().daemon().name("test-upstream-accept").start(this::acceptLoop);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Connections relay has opened so far: every one it made before this call is counted (see {@link #barrier}). */
    public int accepted() throws InterruptedException {
        barrier();
        return all.size();
    }

    /** Connections relay has not closed yet, among those accepted so far. */
    public int open() {
        return open.get();
    }

    /**
     * Returns once the acceptor has taken every connection that was in the backlog when this was called.
     * It connects a probe of its own and waits for the acceptor to reach it; the probe is not counted.
     */
    public void barrier() throws InterruptedException {
        try (Socket probe = new Socket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CountDownLatch seen = new CountDownLatch(1);
            probes.put(probe.getLocalPort(), seen);
            probe.connect(server.getLocalSocketAddress(), 5000);
            if (!seen.await(BARRIER_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the test upstream's acceptor did not reach its probe within " + BARRIER_WAIT);
            }
        } catch (IOException e) {
            throw new AssertionError("the test upstream's barrier probe could not connect", e);
        }
    }

    /** The next connection relay opened whose request was read completely, waiting up to {@code timeout}. */
    public Conn nextConnection(Duration timeout) throws InterruptedException {
        Conn conn = connections.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (conn == null) {
            throw new AssertionError("relay sent no complete request upstream within " + timeout);
        }
        return conn;
    }

    /**
     * The next connection relay opened, in the order they were accepted, whether or not relay finished
     * its request on it: for tests where relay opens the upstream and then cuts the request.
     */
    public Conn nextAccepted(Duration timeout) throws InterruptedException {
        Conn conn = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (conn == null) {
            throw new AssertionError("relay opened no upstream connection within " + timeout);
        }
        return conn;
    }

    /**
     * After a sentinel exchange (one valid request sent through relay, its response read): the first and
     * only connection relay ever opened to this upstream, with its request read completely. Fails if relay
     * had opened another connection, before or since, so the caller's check that this is the sentinel's
     * request proves that nothing earlier reached the upstream.
     */
    public Conn onlyConnection(Duration timeout) throws InterruptedException {
        barrier();
        if (all.size() != 1) {
            throw new AssertionError("expected the sentinel to be the only upstream connection, but relay opened "
                    + all.size() + ": " + all);
        }
        Conn first = all.get(0);
        if (!first.awaitRequest(timeout)) {
            throw new AssertionError("the first upstream connection carried no complete request: " + first);
        }
        return first;
    }

    /** Waits until every connection relay has opened so far (see {@link #barrier}) is closed. */
    public boolean awaitAllClosed(Duration timeout) throws InterruptedException {
        barrier();
        return Await.until(() -> open.get() == 0, timeout);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            CountDownLatch probe = probes.remove(socket.getPort());
            if (probe != null) {
                closeQuietly(socket);
                probe.countDown();
                continue;
            }
            Conn conn;
            try {
                conn = new Conn(socket);
            } catch (IOException e) {
                closeQuietly(socket);
                continue;
            }
            open.incrementAndGet();
            all.add(conn);
            accepted.add(conn);
            Thread.ofVirtual().name("test-upstream-conn").start(() -> serve(conn));
        }
    }

    private void serve(Conn conn) {
        try (Socket socket = conn.socket) {
            socket.setTcpNoDelay(true);
            try {
                conn.readRequest();
                conn.requestComplete = true;
            } finally {
                conn.requestDone.countDown();
            }
            connections.add(conn);
            script.run(conn);
            conn.awaitPeerClose();
        } catch (IOException e) {
            // relay closed or reset the connection: that is what most tests wait for
        } catch (Throwable e) {
            // an assertion or a bug in the script (or a request this parser cannot read): the test must
            // hear of it, not only the virtual thread's uncaught-exception handler
            scriptFailures.add(e);
        } finally {
            conn.closedNanos = System.nanoTime();
            open.decrementAndGet();
            conn.closed.countDown();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to free
        }
    }

    /**
     * Stops accepting and closes every connection still open, so no script outlives its test; fails if a
     * script threw anything but an I/O error (relay closing or resetting a connection is an I/O error).
     */
    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
        for (Conn conn : all) {
            closeQuietly(conn.socket);
        }
        if (!scriptFailures.isEmpty()) {
            AssertionError failed = new AssertionError("the test upstream's script failed on "
                    + scriptFailures.size() + " connection(s)", scriptFailures.get(0));
            scriptFailures.stream().skip(1).forEach(failed::addSuppressed);
            throw failed;
        }
    }

    /** One upstream connection as the script sees it. */
    public static final class Conn {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final CountDownLatch closed = new CountDownLatch(1);
        private final CountDownLatch requestDone = new CountDownLatch(1);
        private volatile boolean requestComplete;
        private volatile long closedNanos;
        private final long acceptedNanos = System.nanoTime();
        public String method;
        public String target;
        public final Map<String, List<String>> headers = new LinkedHashMap<>();
        public byte[] body;

        Conn(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        void readRequest() throws IOException {
            String[] requestLine = line().split(" ");
            method = requestLine[0];
            target = requestLine[1];
            HttpLines.readHeaders(in, "eof in request", headers);
            String length = header("content-length");
            if (length != null) {
                body = in.readNBytes(Integer.parseInt(length));
            } else if ("chunked".equalsIgnoreCase(header("transfer-encoding"))) {
                ByteArrayOutputStream collected = new ByteArrayOutputStream();
                int size;
                while ((size = Integer.parseInt(line().split(";")[0].trim(), 16)) > 0) {
                    collected.write(in.readNBytes(size));
                    line();
                }
                line();
                body = collected.toByteArray();
            } else {
                body = new byte[0];
            }
        }

        private String line() throws IOException {
            return HttpLines.readLine(in, "eof in request");
        }

        /**
         * Status line and headers; add {@code Transfer-Encoding: chunked} yourself when using {@link #chunk}.
         * It says {@code Connection: close} unless given a Connection header: this upstream serves one
         * request per connection, so relay must not keep it for another ({@code PoolTest} covers reuse).
         */
        public Conn head(int status, String... headerLines) throws IOException {
            StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " Status\r\n");
            boolean connection = false;
            for (String header : headerLines) {
                head.append(header).append("\r\n");
                connection |= header.toLowerCase(Locale.ROOT).startsWith("connection:");
            }
            if (!connection) {
                head.append("Connection: close\r\n");
            }
            head.append("\r\n");
            return raw(head.toString());
        }

        /** 200, text/event-stream, chunked: what an LLM API answers a stream request with. */
        public Conn sseHead(String... extraHeaders) throws IOException {
            List<String> all = new ArrayList<>(List.of("Content-Type: text/event-stream", "Transfer-Encoding: chunked"));
            all.addAll(List.of(extraHeaders));
            return head(200, all.toArray(String[]::new));
        }

        public Conn chunk(String text) throws IOException {
            return chunk(text.getBytes(StandardCharsets.UTF_8));
        }

        public Conn chunk(byte[] bytes) throws IOException {
            out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return this;
        }

        /** The terminating chunk: a clean end of the body. */
        public Conn end() throws IOException {
            return raw("0\r\n\r\n");
        }

        public Conn raw(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return this;
        }

        /**
         * The upstream's own pace: a model thinking before its headers, or the gap between tokens. This
         * is the scenario under test (relay must cover the silence), not a way to wait for relay.
         */
        public Conn thinkFor(java.time.Duration time) throws InterruptedException {
            Thread.sleep(time);
            return this;
        }

        /** Sends a FIN: the upstream is done writing, whatever its framing said. */
        public void closeOutput() throws IOException {
            socket.shutdownOutput();
        }

        /** Ends the connection with a TCP RST, as a crashed upstream or a broken network does. */
        public void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** An upstream that says nothing more but notices at once when relay closes the connection. */
        public void silentUntilClosed() throws IOException {
            awaitPeerClose();
        }

        /** Blocks until relay closes this connection (read returns EOF or fails). */
        void awaitPeerClose() throws IOException {
            while (in.read() != -1) {
                // discard whatever relay still sends
            }
        }

        /** Waits for relay to close this connection; returns false if it did not within {@code timeout}. */
        public boolean awaitClosed(Duration timeout) throws InterruptedException {
            return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /**
         * Waits until relay's request on this connection has been read or has failed; true if it was
         * complete (head and whole body) within {@code timeout}.
         */
        public boolean awaitRequest(Duration timeout) throws InterruptedException {
            return requestDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && requestComplete;
        }

        /** Whether relay sent a complete request on this connection; final once {@link #awaitClosed} is true. */
        public boolean requestComplete() {
            return requestComplete;
        }

        @Override
        public String toString() {
            return requestComplete ? method + " " + target : "connection without a complete request";
        }

        /** When the connection was accepted (System.nanoTime). */
        public long acceptedNanos() {
            return acceptedNanos;
        }

        public long closedNanos() {
            return closedNanos;
        }

        public boolean isClosed() {
            return closed.getCount() == 0;
        }
    }
}
