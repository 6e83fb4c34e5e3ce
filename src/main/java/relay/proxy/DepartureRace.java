package relay.proxy;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.StructuredTaskScope.Subtask;
import java.util.concurrent.ThreadFactory;
import relay.stream.ClientDeparture;

/**
 * A blocking wait on the upstream that the client's departure cuts short: the wait and the
 * departure race as two subtasks of one scope, and the loser is cancelled. A cancelled upstream
 * read is an interrupted virtual thread blocked on a socket, which closes that socket: the upstream
 * request is cancelled as the client leaves. Unwatched exchanges wait inline, as before.
 */
final class DepartureRace {
    private final ThreadFactory threads;

    DepartureRace(ThreadFactory threads) {
        this.threads = threads;
    }

    @FunctionalInterface
    interface UpstreamWait<T> {
        T call() throws IOException;
    }

    /**
     * {@code wait}'s result, or its IOException; ClientGoneException when the client left first.
     * InterruptedException: relay is shutting down (the wait was cancelled).
     */
    <T> T await(UpstreamWait<T> wait, ClientDeparture departure)
            throws IOException, ClientGoneException, InterruptedException {
        if (!departure.watched()) {
            return wait.call();
        }
        if (departure.gone()) {
            throw new ClientGoneException();
        }
        try (var scope = StructuredTaskScope.open(new FirstToFinish(),
                cfg -> cfg.withThreadFactory(threads).withName("relay-upstream-wait"))) {
            Subtask<T> answer = scope.fork((Callable<T>) wait::call);
            scope.fork(() -> {
                departure.awaitGone();
                return null;
            });
            scope.join();
            return switch (answer.state()) {
                case SUCCESS -> answer.get();
                case FAILED -> throw rethrown(answer.exception());
                case UNAVAILABLE -> throw new ClientGoneException();
            };
        }
    }

    private static IOException rethrown(Throwable failure) {
        if (failure instanceof IOException e) {
            return e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return new IOException(failure);
    }

    /** Cancels the scope as soon as either subtask finishes, however it finished. */
    private static final class FirstToFinish implements Joiner<Object, Void> {
        @Override
        public boolean onComplete(Subtask<?> subtask) {
            return true;
        }

        @Override
        public Void result() {
            return null;
        }
    }
}
