package relay.stream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * The upstream side of one stream, owned by the scanner subtask from the moment the stream starts:
 * it opens the event-stream body (when relay committed its own 200 before the upstream answered,
 * that waits for the upstream's response and may fail with an upstream failure) and
 * closing it closes the upstream connection, which cancels a paid request still running.
 */
public interface BodySource extends Closeable {
    InputStream open(ClientWriter writer) throws IOException, InterruptedException;
}
