package relay.upstream;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/**
 * An upstream request that has been sent and whose response has not been read yet. Splitting the
 * two lets relay wait a bounded time for the response to start ({@code ping.header_grace}) before it
 * commits to a status of its own. Closing it aborts the exchange.
 */
public interface UpstreamCall extends Closeable {

    /**
     * True once the final response head (status 2xx-5xx, or 101) has been read completely; interim 1xx
     * heads are skipped. False if {@code timeout} (a deadline for the whole wait, not per read) passed
     * first: whatever was read is kept, so calling again, in slices as short as the caller likes,
     * continues where the last call stopped. A malformed or refused head (IOException) stays a failure:
     * {@link #response()} throws it again.
     */
    boolean awaitResponse(Duration timeout) throws IOException;

    /**
     * The head {@link #awaitResponse} read, or reads it now, each read waiting up to
     * {@code stream.idle_timeout}; the body is still on the wire.
     */
    UpstreamResponse response() throws IOException;

    /** A call whose response is already complete in its head (the demo model answers at once). */
    static UpstreamCall answered(UpstreamResponse response) {
        return new UpstreamCall() {
            @Override
            public boolean awaitResponse(Duration timeout) {
                return true;
            }

            @Override
            public UpstreamResponse response() {
                return response;
            }

            @Override
            public void close() throws IOException {
                response.close();
            }
        };
    }
}
