package relay.stream;

import java.io.EOFException;
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
    private final Completion completion;
    private final ClientWriter writer;
    private final UsageMeter usage;
    private final UpstreamActivity activity;
    /** The failure of a body that ended before its first data event, for {@link BodySource#failOver}. */
    private IOException failure;
    /**
     * Set once the client has the stream's last event ({@code [DONE]}, or a Responses terminal
     * event): how the stream ends even if the client leaves while the rest of the body is drained.
     */
    private volatile StreamEnd completedAs;

    EventForwarder(BodySource source, long maxLine, Completion completion, ClientWriter writer, UsageMeter usage,
            UpstreamActivity activity) {
        this.source = source;
        this.maxLine = maxLine;
        this.completion = completion;
        this.writer = writer;
        this.usage = usage;
        this.activity = activity;
    }

    /** The end the client already saw (its last event was written), or null while it has not. */
    StreamEnd completedAs() {
        return completedAs;
    }

    StreamEnd run() throws InterruptedException {
        try (source) {
            InputStream body = source.open(writer);
            while (true) {
                StreamEnd end = relay(body);
                if (end != null) {
                    return end;
                }
                body = source.failOver(writer, failure);
                if (body == null) {
                    return failure instanceof EOFException ? StreamEnd.of(EndReason.EOF)
                            : new StreamEnd(EndReason.UPSTREAM_ERROR, failure.getMessage());
                }
            }
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

    /**
     * Relays one upstream body; null when it failed or ended before its first data event (the client
     * has seen no data yet, so another upstream may take over), with {@link #failure} saying how.
     */
    private StreamEnd relay(InputStream body) throws IOException, InterruptedException {
        EventScanner scanner = new EventScanner(activity.watch(body), maxLine);
        try {
            while (scanner.next()) {
                boolean first = !writer.eventWritten();
                writer.writeEvent(scanner.buffer(), scanner.start(), scanner.length(), scanner.hasData());
                if (first && writer.eventWritten()) {
                    source.committed();
                }
                boolean terminal = completion.isTerminal(scanner.buffer(), scanner.start(), scanner.length());
                if (terminal) {
                    completedAs = StreamEnd.of(EndReason.EOF);
                }
                usage.observe(scanner.buffer(), scanner.start(), scanner.length(), terminal);
                if (scanner.isDone()) {
                    completedAs = StreamEnd.of(EndReason.DONE);
                    source.finished();
                    return StreamEnd.of(EndReason.DONE);
                }
            }
        } catch (ClientWriteException | LineTooLongException e) {
            throw e;
        } catch (IOException e) {
            if (writer.eventWritten() || Thread.currentThread().isInterrupted()) {
                throw e;
            }
            failure = e;
            return null;
        }
        if (writer.eventWritten()) {
            // a terminal event is a data event: once written, no other upstream's body follows
            return completion == Completion.BODY_END || completedAs != null ? StreamEnd.of(EndReason.EOF)
                    : new StreamEnd(EndReason.UPSTREAM_ERROR, completion.missing());
        }
        failure = new EOFException("upstream ended its stream before its first data event");
        return null;
    }
}
