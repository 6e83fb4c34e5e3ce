package relay.stream;

import java.io.IOException;
import java.io.InputStream;

/**
 * Splits an upstream SSE body into events without changing a byte. An event ends with an empty line;
 * lines end with LF, CRLF or CR (the SSE spec allows all three). Each call to {@link #next()} makes
 * the next complete event, terminating blank line included, available as a slice of an internal
 * buffer, so the writer can send it whole. Bytes after the last blank line at a clean end of the body
 * are returned as a final slice, as they came.
 */
public final class EventScanner {
    static final int INITIAL_BUFFER = 1024;
    private static final int SHRINK_ABOVE = 64 * 1024;
    private static final byte[] DONE = "[DONE]".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final InputStream in;
    private final long maxEvent;
    private byte[] buffer = new byte[0];
    /** Current event slice. */
    private int start;
    private int length;
    /** Bytes [start + length, end) are read but not yet part of a complete event. */
    private int end;
    /** Where the boundary search resumes, and where the line being scanned began. */
    private int scan;
    private int lineStart;
    private boolean done;
    private boolean eventHasDone;
    private boolean eventHasData;
    private boolean hasData;
    private boolean eof;
    /** The last line ended with a CR at the end of the buffered bytes: an LF that follows belongs to it. */
    private boolean afterCr;

    public EventScanner(InputStream in, long maxEvent) {
        this.in = in;
        this.maxEvent = maxEvent;
    }

    /** Reads until a whole event is buffered; false once the body has ended and everything was returned. */
    public boolean next() throws IOException {
        consumeCurrent();
        while (true) {
            if (findBoundary()) {
                return true;
            }
            if (eof) {
                if (end > start) {
                    length = end - start;
                    done = false;
                    hasData = true; // whatever it is, the client gets it as it came
                    return true;
                }
                return false;
            }
            fill();
        }
    }

    public byte[] buffer() {
        return buffer;
    }

    public int start() {
        return start;
    }

    public int length() {
        return length;
    }

    /** True unless the current event is made of comment lines only ({@code : ...}), which carry nothing for a client. */
    public boolean hasData() {
        return hasData;
    }

    /** True if the current event is {@code data: [DONE]}: the upstream's end of an OpenAI stream. */
    public boolean isDone() {
        return done;
    }

    private void consumeCurrent() {
        start += length;
        length = 0;
        done = false;
        if (start == end) {
            start = end = scan = lineStart = 0;
            if (buffer.length > SHRINK_ABOVE) {
                buffer = new byte[INITIAL_BUFFER]; // one huge event must not pin its buffer for the stream's life
            }
        }
    }

    /** Scans [scan, end) for an empty line; on success the event is [start, boundary). */
    private boolean findBoundary() {
        byte[] b = buffer;
        int i = scan;
        if (afterCr && i < end) {
            afterCr = false;
            if (b[i] == '\n') {
                i++;
                lineStart = i;
            }
        }
        while (i < end) {
            byte c = b[i];
            if (c == '\n' || c == '\r') {
                boolean emptyLine = i == lineStart;
                if (!emptyLine) {
                    checkDone(lineStart, i);
                    eventHasData |= b[lineStart] != ':';
                }
                int next = i + 1;
                if (c == '\r') {
                    if (next == end) {
                        afterCr = true;
                    } else if (b[next] == '\n') {
                        next++;
                    }
                }
                // A CR at the very end may still be followed by its LF; the LF then starts the next slice.
                lineStart = next;
                i = next;
                if (emptyLine) {
                    length = i - start;
                    done = eventHasDone;
                    eventHasDone = false;
                    hasData = eventHasData;
                    eventHasData = false;
                    scan = i;
                    return true;
                }
            } else {
                i++;
            }
        }
        scan = i;
        return false;
    }

    /** {@code data: [DONE]} or {@code data:[DONE]}, as OpenAI-compatible servers write it. */
    private void checkDone(int from, int to) {
        int n = to - from;
        if (n != 12 && n != 11) {
            return;
        }
        byte[] b = buffer;
        if (b[from] != 'd' || b[from + 1] != 'a' || b[from + 2] != 't' || b[from + 3] != 'a' || b[from + 4] != ':') {
            return;
        }
        int value = from + 5;
        if (n == 12) {
            if (b[value] != ' ') {
                return;
            }
            value++;
        }
        for (int k = 0; k < DONE.length; k++) {
            if (b[value + k] != DONE[k]) {
                return;
            }
        }
        eventHasDone = true;
    }

    private void fill() throws IOException {
        if (end == buffer.length) {
            makeRoom();
        }
        int n = in.read(buffer, end, buffer.length - end);
        if (n == -1) {
            eof = true;
        } else {
            end += n;
        }
    }

    private void makeRoom() throws LineTooLongException {
        int pending = end - start;
        if (pending >= maxEvent) {
            throw new LineTooLongException(maxEvent);
        }
        if (start > 0 && pending <= buffer.length / 2) {
            System.arraycopy(buffer, start, buffer, 0, pending);
        } else {
            long grown = Math.max(INITIAL_BUFFER, (long) buffer.length * 2);
            byte[] bigger = new byte[(int) Math.min(grown, Math.min(maxEvent + 1, Integer.MAX_VALUE - 16))];
            System.arraycopy(buffer, start, bigger, 0, pending);
            buffer = bigger;
        }
        scan -= start;
        lineStart -= start;
        start = 0;
        end = pending;
    }
}
