package relay.proxy;

import java.io.IOException;

/** The upstream answered, but not with an event stream: the message says what it answered instead. */
final class UpstreamFailedException extends IOException {
    UpstreamFailedException(String message) {
        super(message);
    }
}
