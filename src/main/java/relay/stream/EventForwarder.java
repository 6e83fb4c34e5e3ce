package relay.stream;

import java.io.IOException;
import java.io.InputStream;

/**
 * The scanner subtask: owns the upstream body (closing it cancels the upstream request), reads it
 * event by event and writes each one to the client the moment its blank line arrives. The upstream
 * is read outside the lock; only the write holds it.
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
        try (source) {
            EventScanner scanner = new EventScanner(activity.watch(source.open(writer)), maxLine);
            while (scanner.next()) {
                writer.writeEvent(scanner.buffer(), scanner.start(), scanner.length());
                usage.observe(scanner.buffer(), scanner.start(), scanner.length());
                if (scanner.isDone()) {
                    return StreamEnd.of(EndReason.DONE);
                }
            }
            return StreamEnd.of(EndReason.EOF);
        } catch (ClientWriteException e) {
            return StreamEnd.of(e.reason());
        } catch (LineTooLongException e) {
            return StreamEnd.of(EndReason.LINE_TOO_LONG);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("cancelled while reading upstream");
            }
            return new StreamEnd(EndReason.UPSTREAM_ERROR, e.getMessage());
        }
    }
}
