package relay.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scriptable upstream on a real loopback socket: each accepted connection's request is parsed, then
 * the test's script writes whatever bytes it likes. It records when relay closes each connection, which
 * is how tests prove a paid upstream request was cancelled.
 */
public final class TestUpstream implements AutoCloseable {
    @FunctionalInterface
    public interface Script {
        void run(Conn conn) throws Exception;
    }

    private final ServerSocket server;
    private final Script script;
    private final Thread acceptor;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final BlockingQueue<Conn> connections = new LinkedBlockingQueue<>();

    public TestUpstream(Script script) throws IOException {
        this.server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        this.script = script;
        this.acceptor = Thread.ofPlatform().daemon().name("test-upstream-accept").start(this::acceptLoop);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public int accepted() {
        return accepted.get();
    }

    /** Connections relay has not closed yet. */
    public int open() {
        return open.get();
    }

    /** The next connection relay opened, waiting up to {@code timeout}. */
    public Conn nextConnection(Duration timeout) throws InterruptedException {
        Conn conn = connections.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (conn == null) {
            throw new AssertionError("relay opened no upstream connection within " + timeout);
        }
        return conn;
    }

    public boolean awaitAllClosed(Duration timeout) throws InterruptedException {
        return Await.until(() -> open.get() == 0, timeout);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                open.incrementAndGet();
                Thread.ofVirtual().name("test-upstream-conn").start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        Conn conn = null;
        try (socket) {
            socket.setTcpNoDelay(true);
            conn = new Conn(socket);
            conn.readRequest();
            connections.add(conn);
            script.run(conn);
            conn.awaitPeerClose();
        } catch (Exception e) {
            // relay closed or reset the connection: that is what most tests wait for
        } finally {
            if (conn != null) {
                conn.closedNanos = System.nanoTime();
                conn.closed.countDown();
            }
            open.decrementAndGet();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
    }

    /** One upstream connection as the script sees it. */
    public static final class Conn {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final CountDownLatch closed = new CountDownLatch(1);
        private volatile long closedNanos;
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

        /** Status line and headers; add {@code Transfer-Encoding: chunked} yourself when using {@link #chunk}. */
        public Conn head(int status, String... headerLines) throws IOException {
            StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " Status\r\n");
            for (String header : headerLines) {
                head.append(header).append("\r\n");
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

        public long closedNanos() {
            return closedNanos;
        }

        public boolean isClosed() {
            return closed.getCount() == 0;
        }
    }
}
