package relay.stream;

import java.lang.System.Logger.Level;
import java.util.concurrent.Callable;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;

/**
 * Relays one SSE body to one client: a scanner subtask and a pinger subtask, both owned by one
 * {@link StructuredTaskScope} whose timeout is {@code stream.max_duration}. The first subtask to
 * finish decides the end reason and cancels the other; when {@link #run} returns, both threads have
 * ended. Closing the upstream body and the exchange is the caller's job (it owns them).
 */
public final class StreamSession {
    private static final System.Logger LOG = System.getLogger("relay.stream");

    private final StreamOptions options;
    private final NanoClock clock;
    private final TrackedThreads threads;

    public StreamSession(StreamOptions options, NanoClock clock, TrackedThreads threads) {
        this.options = options;
        this.clock = clock;
        this.threads = threads;
    }

    public StreamEnd run(BodySource upstreamBody, ClientWriter writer) throws InterruptedException {
        return run(upstreamBody, writer, new UsageMeter());
    }

    /** Runs the stream; {@code usage} collects the token usage the stream reports about itself. */
    public StreamEnd run(BodySource upstreamBody, ClientWriter writer, UsageMeter usage) throws InterruptedException {
        UpstreamActivity activity = new UpstreamActivity(clock);
        EventForwarder scanner = new EventForwarder(upstreamBody, options.maxLine(), writer, usage, activity);
        try (var scope = StructuredTaskScope.open(Joiner.<StreamEnd>anySuccessfulResultOrThrow(),
                cfg -> cfg.withTimeout(options.maxDuration()).withThreadFactory(threads).withName("relay-stream"))) {
            scope.fork(guarded(scanner::run));
            if (options.ping()) {
                Pinger pinger = new Pinger(writer, options.pingComment(), options.pingInterval(), clock, activity,
                        options.idleTimeout());
                scope.fork(guarded(pinger::run));
            }
            try {
                return scope.join();
            } catch (InterruptedException e) {
                // shutdown: let a ping being written finish before the scope interrupts the pinger,
                // so the client can still be told (an interrupted channel write closes its socket)
                writer.seal();
                throw e;
            }
        } catch (StructuredTaskScope.TimeoutException e) {
            return StreamEnd.of(EndReason.MAX_DURATION);
        } catch (StructuredTaskScope.FailedException e) {
            LOG.log(Level.ERROR, "stream subtasks failed", e.getCause());
            return StreamEnd.of(EndReason.INTERNAL_ERROR);
        }
    }

    /** A bug in a subtask must end the stream at once, not leave the other running to max_duration. */
    private static Callable<StreamEnd> guarded(Callable<StreamEnd> task) {
        return () -> {
            try {
                return task.call();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception | Error e) {
                LOG.log(Level.ERROR, "stream subtask failed", e);
                return StreamEnd.of(EndReason.INTERNAL_ERROR);
            }
        };
    }
}
