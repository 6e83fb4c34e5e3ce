package relay.stream;

import java.io.IOException;

/** A write or flush to the client failed: the client is gone, or its write was aborted as stalled. */
public final class ClientWriteException extends IOException {
    ClientWriteException(IOException cause) {
        super("client write failed: " + cause.getMessage(), cause);
    }

    /** {@code write_timeout} when the write was aborted as stalled, {@code client_gone} otherwise. */
    EndReason reason() {
        return getCause() instanceof WriteTimeoutException ? EndReason.WRITE_TIMEOUT : EndReason.CLIENT_GONE;
    }
}
