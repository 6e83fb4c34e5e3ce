package relay.stream;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.ThreadFactory;
import relay.time.NanoClock;

/**
 * Relays one SSE body to one client: a scanner subtask and a heartbeat subtask, both owned by one
 * {@link StructuredTaskScope}. Ending the stream is one step: the subtask that decides the end seals
 * the writer (waiting for a write in flight) before it returns, and only then does {@link FirstToEnd}
 * cancel the other; so no cancellation ever cuts a client write. When {@link #run} returns, both
 * threads have ended and the upstream is closed; the client's response is the caller's to finish.
 */
public final class StreamSession {
    /** Beyond the heartbeat's own max_duration deadline, in case a write in flight holds it up. */
    private static final Duration BACKSTOP_MARGIN = Duration.ofSeconds(2);

    private final StreamOptions options;
    private final NanoClock clock;
    private final ThreadFactory threads;

    /** {@code threads} makes the subtasks' threads: virtual, and counted by the server. */
    public StreamSession(StreamOptions options, NanoClock clock, ThreadFactory threads) {
        this.options = options;
        this.clock = clock;
        this.threads = threads;
    }

    /** Runs the stream of an unwatched client (a departure is noticed when a write fails). */
    public StreamEnd run(BodySource upstream, ClientWriter writer, UsageMeter usage) {
        return run(upstream, writer, usage, ClientDeparture.UNWATCHED);
    }

    /**
     * Runs the stream; {@code usage} collects the token usage the stream reports about itself, and
     * the client's {@code departure} ends it with {@code client_gone} the moment it happens.
     */
    public StreamEnd run(BodySource upstream, ClientWriter writer, UsageMeter usage, ClientDeparture departure) {
        UpstreamActivity activity = new UpstreamActivity(clock);
        EventForwarder scanner = new EventForwarder(upstream, options.maxLine(), options.completion(), writer, usage,
                activity);
        Heartbeat heartbeat = new Heartbeat(writer, options, clock, activity, departure, upstream);
        Duration backstop = options.maxDuration().plus(options.writeTimeout()).plus(BACKSTOP_MARGIN);
        try (var scope = StructuredTaskScope.open(new FirstToEnd(),
                cfg -> cfg.withTimeout(backstop).withThreadFactory(threads).withName("relay-stream"))) {
            scope.fork(sealingWhenDone(writer, scanner::run));
            scope.fork(sealingWhenDone(writer, heartbeat::run));
            try {
                StreamEnd end = scope.join();
                // a client that leaves once it has the last event has not left a cut stream
                return end.reason() == EndReason.CLIENT_GONE && scanner.completedAs() != null ? scanner.completedAs() : end;
            } catch (InterruptedException e) {
                writer.seal(); // relay is shutting down: stop writes before the scope cancels the subtasks
                return StreamEnd.of(EndReason.SHUTDOWN);
            }
        } catch (StructuredTaskScope.TimeoutException e) {
            return StreamEnd.of(EndReason.MAX_DURATION);
        }
    }

    private static Callable<StreamEnd> sealingWhenDone(ClientWriter writer, Callable<StreamEnd> task) {
        return () -> {
            try {
                return task.call();
            } finally {
                writer.seal();
            }
        };
    }
}
