package relay.stream;

import java.lang.System.Logger.Level;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.StructuredTaskScope.Subtask;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ends the stream's scope on the first subtask to finish, whether it returned or threw: the JDK's
 * {@code anySuccessfulResultOrThrow} cancels only on success, so a failed subtask would leave the
 * other running. A subtask that threw is a bug of ours: {@code internal_error}.
 */
final class FirstToEnd implements Joiner<StreamEnd, StreamEnd> {
    private static final System.Logger LOG = System.getLogger("relay.stream");
    private final AtomicReference<Subtask<? extends StreamEnd>> first = new AtomicReference<>();

    @Override
    public boolean onComplete(Subtask<? extends StreamEnd> subtask) {
        first.compareAndSet(null, subtask);
        return true;
    }

    @Override
    public StreamEnd result() {
        Subtask<? extends StreamEnd> subtask = first.get();
        if (subtask != null && subtask.state() == Subtask.State.SUCCESS) {
            return subtask.get();
        }
        LOG.log(Level.ERROR, "stream subtask failed", subtask == null ? null : subtask.exception());
        return StreamEnd.of(EndReason.INTERNAL_ERROR);
    }
}
