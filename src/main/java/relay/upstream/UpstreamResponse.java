package relay.upstream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * An upstream's answer: status and headers already read, body still on the wire. Closing it closes the
 * upstream connection, which is what cancels a paid request that is still running.
 *
 * <p>{@code body} reports a body cut short (reset, incomplete chunked encoding, fewer bytes than
 * {@code Content-Length}) as an {@link IOException}, and a complete body as end of stream.
 */
public record UpstreamResponse(int status, List<Header> headers, InputStream body, Closeable connection)
        implements Closeable {

    public UpstreamResponse {
        headers = List.copyOf(headers);
    }

    /** A 2xx answer with {@code Content-Type: text/event-stream}: what relay streams (and pings). */
    public boolean isEventStream() {
        return status / 100 == 2 && header("Content-Type")
                .map(type -> type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")).orElse(false);
    }

    public Optional<String> header(String name) {
        for (Header header : headers) {
            if (header.is(name)) {
                return Optional.of(header.value());
            }
        }
        return Optional.empty();
    }

    /**
     * Reads from now on wait without a timeout: for streams whose pinger enforces the idle timeout, a
     * socket timeout would arm and cancel a timer around every read.
     */
    public void clearReadTimeout() throws IOException {
        if (connection instanceof java.net.Socket socket) {
            socket.setSoTimeout(0);
        } else if (connection instanceof HttpCall call) {
            call.clearReadTimeout();
        }
    }

    /**
     * The consumer has what it wanted and ended normally (a stream's end marker arrived): the
     * connection may be reused once the rest of the body, if any, comes at once. Otherwise as {@link #close}.
     */
    public void release() throws IOException {
        if (connection instanceof HttpCall call) {
            call.release();
        } else {
            close();
        }
    }

    @Override
    public void close() throws IOException {
        connection.close();
    }
}
