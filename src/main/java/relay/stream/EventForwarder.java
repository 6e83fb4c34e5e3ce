package relay.stream;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

/**
 * The scanner subtask: reads the upstream body event by event and writes each one to the client the
 * moment its blank line arrives. The upstream is read outside the lock; only the write holds it.
 */
final class EventForwarder {
    private final EventScanner scanner;
    private final ClientWriter writer;

    EventForwarder(InputStream upstreamBody, long maxLine, ClientWriter writer) {
        this.scanner = new EventScanner(upstreamBody, maxLine);
        this.writer = writer;
    }

    EndReason run() throws InterruptedException {
        try {
            while (scanner.next()) {
                writer.writeEvent(scanner.buffer(), scanner.start(), scanner.length());
                if (scanner.isDone()) {
                    return finish(EndReason.DONE);
                }
            }
            return finish(EndReason.EOF);
        } catch (ClientWriteException e) {
            return writer.stalled() ? EndReason.WRITE_TIMEOUT : EndReason.CLIENT_GONE;
        } catch (LineTooLongException e) {
            return EndReason.LINE_TOO_LONG;
        } catch (SocketTimeoutException e) {
            return EndReason.IDLE_TIMEOUT;
        } catch (InterruptedIOException e) {
            throw new InterruptedException("cancelled while reading upstream");
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("cancelled while reading upstream");
            }
            return EndReason.UPSTREAM_ERROR;
        }
    }

    /** After the last event nothing else may be written, so the client sees a clean end. */
    private EndReason finish(EndReason reason) throws InterruptedException {
        writer.seal();
        return reason;
    }
}
