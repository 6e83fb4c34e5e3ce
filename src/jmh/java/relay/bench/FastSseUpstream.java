package relay.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fast loopback SSE upstream for the benchmarks: any request gets {@code 200 text/event-stream},
 * chunked, {@code Connection: close}; after {@code hold_ms} of silence it writes {@code events}
 * OpenAI-style chunks of about {@code size} content bytes, {@code interval_ms} apart, each flushed as
 * one chunk in one socket write, then {@code data: [DONE]} and the last chunk, and closes. Parameters
 * come from the query string. Each event carries {@code "i"} (its index) and {@code "t"}
 * ({@code System.nanoTime()} just before the write), so a client in the same JVM can compute per-event
 * latency. With {@code wait_close=1} it writes the head and one event, then reads until relay closes
 * the connection and records when ({@link #closedNanos}, by the request's {@code id}): the departure
 * benchmark's upstream, which measures how soon a client's departure cancels the upstream request.
 * One virtual thread per connection; loopback only.
 */
public final class FastSseUpstream implements AutoCloseable {
    private static final byte[] HEAD = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE_HEAD = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = chunk("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
    private static final byte[] LAST = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong streams = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Map<String, Long> closed = new ConcurrentHashMap<>();
    private final boolean keepAlive;
    private final boolean secure;
    private final AtomicLong connections = new AtomicLong();

    public FastSseUpstream() throws IOException {
        this(false);
    }

    /** {@code keepAlive}: no {@code Connection: close}, and the next request is served on the same connection. */
    public FastSseUpstream(boolean keepAlive) throws IOException {
        this(keepAlive, null);
    }

    /** {@code tls}, when not null, makes it an https upstream (TLS on every accepted connection). */
    public FastSseUpstream(boolean keepAlive, javax.net.ssl.SSLServerSocketFactory tls) throws IOException {
        this.keepAlive = keepAlive;
        this.secure = tls != null;
        listener = tls == null ? new ServerSocket() : tls.createServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16384);
        acceptor = Thread.ofPlatform().daemon().name("fast-sse-upstream").start(this::accept);
    }

    public int port() {
        return listener.getLocalPort();
    }

    public String baseUri() {
        return (secure ? "https" : "http") + "://127.0.0.1:" + port();
    }

    public long streamsServed() {
        return streams.get();
    }

    /** Connections relay opened to it. */
    public long connections() {
        return connections.get();
    }

    public long failures() {
        return failures.get();
    }

    /** When relay closed the {@code wait_close} stream {@code id} ({@code System.nanoTime()}), or null. */
    public Long closedNanos(String id) {
        return closed.get(id);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                open.add(socket);
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 4096);
            do {
                Map<String, String> query = readRequest(in);
                if (query == null) {
                    return; // relay closed an idle connection
                }
                serveOne(in, socket.getOutputStream(), query);
            } while (keepAlive);
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(socket);
        }
    }

    private void serveOne(InputStream in, OutputStream out, Map<String, String> query)
            throws IOException, InterruptedException {
        {
            int events = Integer.parseInt(query.getOrDefault("events", "20"));
            long intervalMs = Long.parseLong(query.getOrDefault("interval_ms", "0"));
            long holdMs = Long.parseLong(query.getOrDefault("hold_ms", "0"));
            int size = Integer.parseInt(query.getOrDefault("size", "40"));
            if (holdMs > 0) {
                Thread.sleep(holdMs);
            }
            out.write(keepAlive ? KEEP_ALIVE_HEAD : HEAD);
            out.flush();
            if (query.containsKey("wait_close")) {
                out.write(chunk("data: {\"i\":0}\n\n".getBytes(StandardCharsets.US_ASCII)));
                out.flush();
                try {
                    while (in.read() != -1) {
                        // nothing more is expected from relay
                    }
                } catch (IOException e) {
                    // a reset is a close too
                }
                closed.put(query.getOrDefault("id", ""), System.nanoTime());
                streams.incrementAndGet();
                return;
            }
            byte[] prefix = ("data: {\"object\":\"chat.completion.chunk\",\"model\":\"bench\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"" + "x".repeat(Math.max(0, size)) + "\"},\"finish_reason\":null}],\"i\":")
                    .getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream event = new ByteArrayOutputStream(prefix.length + 64);
            ByteArrayOutputStream chunk = new ByteArrayOutputStream(prefix.length + 80);
            for (int i = 0; i < events; i++) {
                if (i > 0 && intervalMs > 0) {
                    Thread.sleep(intervalMs);
                }
                event.reset();
                event.writeBytes(prefix);
                event.writeBytes(Integer.toString(i).getBytes(StandardCharsets.US_ASCII));
                event.writeBytes(",\"t\":".getBytes(StandardCharsets.US_ASCII));
                event.writeBytes(Long.toString(System.nanoTime()).getBytes(StandardCharsets.US_ASCII));
                event.writeBytes("}\n\n".getBytes(StandardCharsets.US_ASCII));
                chunk.reset();
                chunk.writeBytes(Integer.toHexString(event.size()).getBytes(StandardCharsets.US_ASCII));
                chunk.write('\r');
                chunk.write('\n');
                event.writeTo(chunk);
                chunk.write('\r');
                chunk.write('\n');
                chunk.writeTo(out);
                out.flush();
            }
            out.write(DONE);
            out.write(LAST);
            out.flush();
            streams.incrementAndGet();
        }
    }

    private static byte[] chunk(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(data);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Reads the request head and any Content-Length body; returns the query parameters, or null at a clean end. */
    private static Map<String, String> readRequest(InputStream in) throws IOException {
        String requestLine = null;
        long contentLength = 0;
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b == -1) {
                if (requestLine == null && line.isEmpty()) {
                    return null; // no next request
                }
                throw new IOException("request head cut short");
            }
            if (b == '\n') {
                String text = line.toString().strip();
                line.setLength(0);
                if (text.isEmpty()) {
                    break;
                }
                if (requestLine == null) {
                    requestLine = text;
                } else if (text.regionMatches(true, 0, "content-length:", 0, 15)) {
                    contentLength = Long.parseLong(text.substring(15).strip());
                }
            } else {
                line.append((char) b);
            }
        }
        in.skipNBytes(contentLength);
        Map<String, String> query = new HashMap<>();
        String target = requestLine.split(" ")[1];
        int q = target.indexOf('?');
        if (q >= 0) {
            for (String pair : target.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return query;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : open) {
            socket.close();
        }
    }
}
