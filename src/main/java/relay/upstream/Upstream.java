package relay.upstream;

import java.io.IOException;

/** Something relay forwards requests to: a real HTTP(S) API or the built-in demo model. */
public interface Upstream {

    /**
     * Sends the request (body included) and returns once the response's status line and headers have
     * arrived. Blocks; interrupting the calling virtual thread aborts the exchange.
     */
    UpstreamResponse send(UpstreamRequest request) throws IOException;

    /** Lets go of what the upstream client holds between requests (idle connections). */
    default void close() {
    }

    /** Sends the request (body included) without waiting for the response. */
    default UpstreamCall call(UpstreamRequest request) throws IOException {
        return UpstreamCall.answered(send(request));
    }
}
