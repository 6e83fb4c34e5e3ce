package relay.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;

/**
 * A request sent on its own connection, its response still to be read. One thread at a time reads it
 * (the grace wait and the later {@link #response()} may run on different threads, one after the other).
 */
final class HttpCall implements UpstreamCall {
    /** Read buffer on the upstream socket; sized for memory per idle stream, not throughput. */
    static final int READ_BUFFER = 2048;
    private static final Duration A_YEAR = Duration.ofDays(365);

    private final Socket socket;
    private final SocketInput in;
    private final HeadReader heads;
    private final String method;

    HttpCall(Socket socket, String method) throws IOException {
        this.socket = socket;
        this.in = new SocketInput(socket, READ_BUFFER);
        this.heads = new HeadReader(in);
        this.method = method;
    }

    /** True once the final head is complete; a timeout leaves what was read for the next call. */
    @Override
    public boolean awaitResponse(Duration timeout) throws IOException {
        // capped so that toNanos() cannot overflow: a year is "no deadline" for a response head
        in.deadline(System.nanoTime() + Math.max(0, timeout.compareTo(A_YEAR) > 0 ? A_YEAR.toNanos() : timeout.toNanos()));
        try {
            heads.next();
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
        ResponseHead head = heads.next();
        return new UpstreamResponse(head.status(), head.headers(), body(head), socket);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Message framing as RFC 9112 §6.3 orders it. */
    private InputStream body(ResponseHead head) throws IOException {
        int status = head.status();
        if (method.equals("HEAD") || status == 204 || status == 304) {
            return InputStream.nullInputStream();
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
