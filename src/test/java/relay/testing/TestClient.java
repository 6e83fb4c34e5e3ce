package relay.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately plain HTTP/1.1 client on a raw socket, written independently of relay's own upstream
 * client, so tests see exactly what a client receives: status, headers, and the de-chunked body bytes
 * with their arrival times. Closing it is a client disconnect.
 */
public final class TestClient implements AutoCloseable {
    private static final String EOF_IN_HEAD = "connection closed in response head";
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    public int status;
    public final Map<String, List<String>> headers = new LinkedHashMap<>();
    private InputStream body;

    private TestClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static TestClient connect(InetSocketAddress relay, Duration readTimeout) throws IOException {
        Socket socket = new Socket();
        socket.connect(relay, 5000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        socket.setTcpNoDelay(true);
        return new TestClient(socket);
    }

    /** Sends a request and reads the response head. */
    public TestClient request(String method, String target, String body, String... headerLines) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: relay\r\n");
        for (String header : headerLines) {
            head.append(header).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(bytes.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.flush();
        readHead(method);
        return this;
    }

    public TestClient post(String target, String json, String... headerLines) throws IOException {
        String[] all = new String[headerLines.length + 1];
        all[0] = "Content-Type: application/json";
        System.arraycopy(headerLines, 0, all, 1, headerLines.length);
        return request("POST", target, json, all);
    }

    /** Reads the head of the next response, for a request written with {@link #rawOutput} (pipelining). */
    public TestClient readResponse(String method) throws IOException {
        readHead(method);
        return this;
    }

    /** Leaves with a reset (RST) instead of a FIN: SO_LINGER 0, then close. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Half-closes: a FIN, while the client could still read. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Sends only the request head (for tests that trickle or abandon the body). */
    public OutputStream rawOutput() {
        return out;
    }

    private void readHead(String method) throws IOException {
        headers.clear(); // a second request on the same connection has its own headers
        String statusLine = line();
        status = Integer.parseInt(statusLine.split(" ")[1]);
        HttpLines.readHeaders(in, EOF_IN_HEAD, headers);
        String length = header("content-length");
        if (method.equals("HEAD") || status == 204 || status == 304) {
            body = InputStream.nullInputStream();
        } else if ("chunked".equalsIgnoreCase(header("transfer-encoding"))) {
            body = new Dechunker();
        } else if (length != null) {
            body = new java.io.ByteArrayInputStream(in.readNBytes(Integer.parseInt(length)));
        } else {
            body = in;
        }
    }

    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null ? null : values.get(0);
    }

    public InputStream body() {
        return body;
    }

    /** The whole body as text; fails if the body is cut short (an incomplete chunked body). */
    public String bodyText() throws IOException {
        return new String(body.readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * The next SSE block: bytes up to and including the first empty line (LF LF), or what is left at a
     * clean end of the body; null if the body ended with nothing more.
     */
    public Block nextBlock() throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        int previous = -1;
        int b;
        while ((b = body.read()) != -1) {
            block.write(b);
            if (b == '\n' && previous == '\n') {
                return new Block(block.toString(StandardCharsets.UTF_8), System.nanoTime());
            }
            previous = b;
        }
        return block.size() == 0 ? null : new Block(block.toString(StandardCharsets.UTF_8), System.nanoTime());
    }

    /** Every remaining block until the body ends. */
    public List<Block> remainingBlocks() throws IOException {
        List<Block> blocks = new ArrayList<>();
        Block block;
        while ((block = nextBlock()) != null) {
            blocks.add(block);
        }
        return blocks;
    }

    private String line() throws IOException {
        return HttpLines.readLine(in, EOF_IN_HEAD);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** One SSE block and when its last byte arrived. */
    public record Block(String text, long nanos) {
        public boolean isPing() {
            return text.startsWith(":");
        }
    }

    /** Decodes the chunked body; an end of connection before the last chunk is an error, as in any client. */
    private final class Dechunker extends InputStream {
        private int remaining;
        private boolean done;

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (remaining == 0) {
                String sizeLine = line();
                remaining = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (remaining == 0) {
                    line();
                    done = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b == -1) {
                throw new EOFException("chunked body cut short");
            }
            if (--remaining == 0) {
                line();
            }
            return b;
        }
    }
}
