package relay.proxy;

import java.io.IOException;

/** A request body (of unannounced length) grew past {@code server.max_body}. */
final class BodyTooLargeException extends IOException {
    BodyTooLargeException(long limit) {
        super("request body exceeds server.max_body (" + limit + " bytes)");
    }
}
