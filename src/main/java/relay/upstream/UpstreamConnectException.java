package relay.upstream;

import java.io.IOException;

/** The upstream could not be reached at all (DNS, refused, connect timeout, TLS handshake). */
public final class UpstreamConnectException extends IOException {
    public UpstreamConnectException(String target, IOException cause) {
        super("cannot connect to upstream " + target + ": " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), cause);
    }
}
