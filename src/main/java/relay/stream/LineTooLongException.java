package relay.stream;

import java.io.IOException;

/** One upstream line (or event) exceeded {@code stream.max_line}. */
public final class LineTooLongException extends IOException {
    LineTooLongException(long limit) {
        super("upstream line exceeds stream.max_line (" + limit + " bytes)");
    }
}
