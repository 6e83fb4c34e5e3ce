package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Cuts a client connection so that the client sees an incomplete response instead of a clean end.
 * {@link HttpExchange} has no abort; closing it would finish the chunked body as if it were complete.
 * A write from an interrupted thread closes the server's socket channel (an interruptible channel),
 * which is the abort we need. Used only when an upstream body breaks in the middle of a proxied,
 * non-event-stream response.
 */
final class ExchangeAbort {
    private ExchangeAbort() {
    }

    static void abort(HttpExchange exchange) {
        OutputStream out = exchange.getResponseBody();
        Thread.currentThread().interrupt();
        try {
            out.write(0);
            out.flush();
        } catch (IOException expected) {
            // ClosedByInterruptException: the connection is gone, as intended
        } finally {
            Thread.interrupted();
        }
    }
}
