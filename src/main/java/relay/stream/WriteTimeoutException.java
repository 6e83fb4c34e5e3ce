package relay.stream;

import java.io.IOException;

/** A write to the client was aborted because it blocked for longer than {@code ping.write_timeout}. */
public final class WriteTimeoutException extends IOException {
    public WriteTimeoutException(String message) {
        super(message);
    }
}
