package relay.stream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * The upstream side of one stream, owned by the scanner subtask from the moment the stream starts:
 * it opens the event-stream body (when relay committed its own 200 before the upstream answered,
 * that waits for the upstream's response and may fail with an upstream failure) and
 * closing it closes the upstream connection, which cancels a paid request still running.
 */
public interface BodySource extends Closeable {
    InputStream open(ClientWriter writer) throws IOException, InterruptedException;

    /**
     * The body failed or ended before its first data event: the next upstream's body when the source
     * can move to another upstream (the client has seen comments only, so the switch is invisible),
     * else null, and the stream ends as it would have.
     */
    default InputStream failOver(ClientWriter writer, IOException failure) throws IOException, InterruptedException {
        return null;
    }

    /** The first data event was written to the client: from now on there is no other upstream to move to. */
    default void committed() {
    }

    /** The stream ended with the upstream's own end marker: its connection may serve another request. */
    default void finished() throws IOException {
    }

    /** When the current upstream must have sent its first data event: {@code configured} unless the source knows better. */
    default long firstEventDeadline(long configured) {
        return configured;
    }

    /**
     * The first-event deadline passed: true when the source gave up the silent upstream for another
     * (the scanner's read then fails and it {@linkplain #failOver fails over}), false when it cannot.
     */
    default boolean abandonSilent() {
        return false;
    }
}
