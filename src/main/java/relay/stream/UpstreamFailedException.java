package relay.stream;

import java.io.IOException;

/** The upstream answered, but not with an event stream: the message says what it answered instead. */
public final class UpstreamFailedException extends IOException {
    public UpstreamFailedException(String message) {
        super(message);
    }
}
