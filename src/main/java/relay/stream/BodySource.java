package relay.stream;

import java.io.IOException;
import java.io.InputStream;

/**
 * Supplies the upstream's event-stream body to the scanner. When relay committed its own 200 before
 * the upstream answered, opening it waits for the upstream's response (interruptibly) and may fail
 * with {@link UpstreamFailedException}: a non-2xx status, or a body that is not an event stream.
 */
@FunctionalInterface
public interface BodySource {
    InputStream open(ClientWriter writer) throws IOException, InterruptedException;
}
