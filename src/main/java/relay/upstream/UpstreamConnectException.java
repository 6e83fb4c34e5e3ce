package relay.upstream;

import java.io.IOException;

/** The upstream could not be reached at all (DNS, refused, connect timeout, TLS handshake). */
public final class UpstreamConnectException extends IOException {
    public UpstreamConnectException(String target, IOException cause) {
        super("cannot connect to upstream " + target + ": " + explained(cause, target) + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), cause);
    }

    /** The same failure, told in {@code message} (which names every attempt). */
    public UpstreamConnectException(String message) {
        super(message);
    }

    private static String explained(IOException cause, String target) {
        int colon = target.lastIndexOf(':');
        String host = colon > 0 && !target.endsWith("]") ? target.substring(0, colon) : target;
        String why = TlsFailure.explain(cause, host);
        return why == null ? "" : why + "; ";
    }
}
