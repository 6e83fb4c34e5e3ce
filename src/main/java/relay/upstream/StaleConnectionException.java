package relay.upstream;

import java.io.IOException;

/**
 * A reused upstream connection failed before a single byte of the response: the upstream had
 * closed it while it was idle. The request did not reach a working connection, so it can be sent
 * again on a fresh one (the pool has been emptied).
 */
public final class StaleConnectionException extends IOException {
    public StaleConnectionException(IOException cause) {
        super("reused upstream connection was closed by the upstream: " + cause.getMessage(), cause);
    }
}
