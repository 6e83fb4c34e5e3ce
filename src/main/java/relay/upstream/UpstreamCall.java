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

    /** True as soon as the response has started to arrive; false if {@code timeout} passed first. */
    boolean awaitResponse(Duration timeout) throws IOException;

    /** Reads the status line and headers, waiting up to {@code stream.idle_timeout} for them. */
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
