package relay.upstream;

import java.io.EOFException;

/** The upstream's body ended before its framing said it would: the response is incomplete. */
public final class TruncatedBodyException extends EOFException {
    public TruncatedBodyException(String message) {
        super(message);
    }
}
