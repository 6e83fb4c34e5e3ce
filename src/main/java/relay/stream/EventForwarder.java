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

    /**
     * Whatever ends the scan, the writer is sealed before this returns: sealing waits for a ping that
     * is being written, so the scope's cancellation never interrupts the pinger in the middle of a
     * write (an interrupted channel write closes the client's socket, and the final error event or the
     * clean end of the response would be lost).
     */
    StreamEnd run() throws InterruptedException {
        StreamEnd end = scan();
        writer.seal();
        return end;
    }

    private StreamEnd scan() throws InterruptedException {
        try {
            InputStream body = activity.watch(source.open(writer));
            EventScanner scanner = new EventScanner(body, maxLine);
            while (scanner.next()) {
                writer.writeEvent(scanner.buffer(), scanner.start(), scanner.length());
                usage.observe(scanner.buffer(), scanner.start(), scanner.length());
                if (scanner.isDone()) {
                    return StreamEnd.of(EndReason.DONE);
                }
            }
            return StreamEnd.of(EndReason.EOF);
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
}
