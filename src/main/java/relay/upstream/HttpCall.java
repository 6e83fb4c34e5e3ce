package relay.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request sent on a connection, its response still to be read. One thread at a time reads it
 * (the grace wait and the later {@link #response()} may run on different threads, one after the other).
 * Closing it gives the connection back to the pool only after a complete exchange (request written,
 * HTTP/1.1 response framed by length or chunks and read to its end, nothing extra received);
 * anything else (a cancelled, cut or failed response) closes the connection.
 */
final class HttpCall implements UpstreamCall {
    /** Read buffer on the upstream socket; sized for memory per idle stream, not throughput. */
    static final int READ_BUFFER = 2048;
    private static final Duration A_YEAR = Duration.ofDays(365);
    /** How long {@link #release} waits for the rest of a body whose consumer has what it wanted. */
    private static final Duration DRAIN_WAIT = Duration.ofMillis(100);
    private static final int DRAIN_LIMIT = 64 * 1024;

    private final UpstreamSocketOpener.Connection connection;
    private final Socket socket;
    private final SocketInput in;
    private final HeadReader heads;
    private final String method;
    private final boolean reused;
    private final ConnectionPool pool;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile boolean requestSent;
    private ResponseHead head;
    private InputStream body;

    /** {@code pool} takes the connection back after a complete exchange; null: it is closed. */
    HttpCall(UpstreamSocketOpener.Connection connection, String method, boolean reused, ConnectionPool pool)
            throws IOException {
        this.connection = connection;
        this.socket = connection.socket();
        this.in = new SocketInput(socket, READ_BUFFER);
        this.heads = new HeadReader(in);
        this.method = method;
        this.reused = reused;
        this.pool = pool;
    }

    /** The whole request is on the wire: the connection may carry another one after this response. */
    void requestSent() {
        requestSent = true;
    }

    /** True once the final head is complete; a timeout leaves what was read for the next call. */
    @Override
    public boolean awaitResponse(Duration timeout) throws IOException {
        // capped so that toNanos() cannot overflow: a year is "no deadline" for a response head
        in.deadline(System.nanoTime() + Math.max(0, timeout.compareTo(A_YEAR) > 0 ? A_YEAR.toNanos() : timeout.toNanos()));
        try {
            nextHead();
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } finally {
            in.clearDeadline();
        }
    }

    /** The head {@link #awaitResponse} read, or reads it now, each read bounded by the socket's idle timeout. */
    @Override
    public UpstreamResponse response() throws IOException {
        ResponseHead h = nextHead();
        if (body == null) {
            body = body(h);
        }
        InputStream framed = body;
        if (pool != null && framed instanceof CompleteBody complete) {
            // back to the pool the moment the last byte is read, before the consumer passes it on:
            // a client that sends its next request at once then finds the connection idle
            return new UpstreamResponse(h.status(), h.headers(), new BlockInputStream() {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = framed.read(b, off, len);
                    if (complete.complete()) {
                        close(); // a later read returns -1 from the finished body, without the socket
                    }
                    return n;
                }

                @Override
                public int available() throws IOException {
                    return complete.complete() ? 0 : framed.available();
                }
            }, this);
        }
        return new UpstreamResponse(h.status(), h.headers(), body, this);
    }

    /**
     * A reused connection that ends before a single response byte was closed by the upstream while
     * idle: {@link StaleConnectionException}, and the pool's other idle connections go too.
     */
    private ResponseHead nextHead() throws IOException {
        try {
            head = heads.next();
            return head;
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            if (reused && heads.bytesRead() == 0 && !(e instanceof StaleConnectionException)) {
                pool.clear("closed");
                throw new StaleConnectionException(e);
            }
            throw e;
        }
    }

    void clearReadTimeout() throws IOException {
        socket.setSoTimeout(0);
    }

    /**
     * The consumer has what it wanted (a stream's {@code data: [DONE]}): the rest of the body, usually
     * just the last chunk's few bytes, is read for a short while so that the connection can be reused.
     */
    void release() throws IOException {
        if (!done.get() && reusableSoFar() && body != null && !(body instanceof CompleteBody c && c.complete())) {
            try {
                in.deadline(System.nanoTime() + DRAIN_WAIT.toNanos());
                byte[] skip = new byte[4096];
                int drained = 0;
                int n;
                while (drained < DRAIN_LIMIT && (n = body.read(skip, 0, skip.length)) != -1) {
                    drained += n;
                }
            } catch (IOException e) {
                // not worth waiting for: the connection is closed below
            } finally {
                try {
                    in.clearDeadline();
                } catch (IOException e) {
                    // closed below
                }
            }
        }
        close();
    }

    @Override
    public void close() throws IOException {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        if (reusableSoFar() && body instanceof CompleteBody c && c.complete() && in.buffered() == 0) {
            pool.offer(connection, keepAliveTimeout());
        } else {
            socket.close();
        }
    }

    private boolean reusableSoFar() {
        return pool != null && requestSent && head != null && heads.http11() && head.status() != 101
                && !head.tokens("Connection").contains("close");
    }

    /** {@code Keep-Alive: timeout=5, max=100}: how long the upstream keeps an idle connection. */
    private Optional<Duration> keepAliveTimeout() {
        String value = head.value("Keep-Alive");
        if (value == null) {
            return Optional.empty();
        }
        for (String part : value.split(",")) {
            String[] pair = part.trim().split("=", 2);
            if (pair.length == 2 && pair[0].trim().toLowerCase(Locale.ROOT).equals("timeout")) {
                try {
                    return Optional.of(Duration.ofSeconds(Long.parseLong(pair[1].trim())));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** Message framing as RFC 9112 §6.3 orders it. */
    private InputStream body(ResponseHead head) throws IOException {
        int status = head.status();
        if (method.equals("HEAD") || status == 204 || status == 304) {
            return new FixedLengthBody(in, 0);
        }
        List<String> codings = head.tokens("Transfer-Encoding");
        if (!codings.isEmpty()) {
            if (codings.get(codings.size() - 1).equals("chunked")) {
                return new ChunkedBody(in);
            }
            return in; // delimited by close
        }
        String length = head.value("Content-Length");
        if (length != null) {
            try {
                long n = Long.parseLong(length.trim());
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return new FixedLengthBody(in, n);
            } catch (NumberFormatException e) {
                throw new IOException("invalid Content-Length from upstream");
            }
        }
        return in;
    }
}
