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
    private final BodySource source;
    private final long maxLine;
    private final ClientWriter writer;
    private final UsageMeter usage;
    private final UpstreamActivity activity;

    EventForwarder(BodySource source, long maxLine, ClientWriter writer, UsageMeter usage, UpstreamActivity activity) {
        this.source = source;
        this.maxLine = maxLine;
        this.writer = writer;
        this.usage = usage;
        this.activity = activity;
    }

    StreamEnd run() throws InterruptedException {
        try {
            InputStream body = activity.watch(source.open(writer));
            EventScanner scanner = new EventScanner(body, maxLine);
            while (scanner.next()) {
                writer.writeEvent(scanner.buffer(), scanner.start(), scanner.length());
                usage.observe(scanner.buffer(), scanner.start(), scanner.length());
                if (scanner.isDone()) {
                    return finish(EndReason.DONE);
                }
            }
            return finish(EndReason.EOF);
        } catch (ClientWriteException e) {
            return StreamEnd.of(writer.stalled() ? EndReason.WRITE_TIMEOUT : EndReason.CLIENT_GONE);
        } catch (LineTooLongException e) {
            return StreamEnd.of(EndReason.LINE_TOO_LONG);
        } catch (SocketTimeoutException e) {
            return StreamEnd.of(EndReason.IDLE_TIMEOUT);
        } catch (UpstreamFailedException e) {
            return new StreamEnd(EndReason.UPSTREAM_ERROR, e.getMessage());
        } catch (InterruptedIOException e) {
            throw new InterruptedException("cancelled while reading upstream");
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("cancelled while reading upstream");
            }
            return new StreamEnd(EndReason.UPSTREAM_ERROR, e.getMessage());
        }
    }

    /** After the last event nothing else may be written, so the client sees a clean end. */
    private StreamEnd finish(EndReason reason) throws InterruptedException {
        writer.seal();
        return StreamEnd.of(reason);
    }
}
