package relay.stream;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** What a stream must have sent when its body ends for the end to be clean rather than a cut. */
public enum Completion {
    /** A clean end of the body is a clean end (chat completions' {@code [DONE]} ends it sooner). */
    BODY_END,
    /**
     * OpenAI's Responses API has no {@code [DONE]}: its last event is {@code response.completed},
     * {@code response.failed} or {@code response.incomplete}, and a body that ends without one was cut.
     */
    RESPONSES;

    private static final List<byte[]> TERMINAL = List.of(bytes("response.completed"), bytes("response.failed"),
            bytes("response.incomplete"));
    private static final byte[] TYPE = bytes("{\"type\":\"");
    private static final byte[] EVENT = bytes("event:");
    private static final byte[] DATA = bytes("data:");

    /** Why a body that ended without its terminal event was cut, for the log and the client's error event. */
    public String missing() {
        return "upstream ended the stream without response.completed, response.failed or response.incomplete";
    }

    /**
     * The event in {@code b[start, start + length)} ends the stream: its {@code event:} field names a
     * terminal event, or its first {@code data:} line starts with a terminal {@code "type"} (for
     * servers that send no {@code event:} field). Only field starts are compared, never the text of
     * a delta, which may say anything.
     */
    boolean isTerminal(byte[] b, int start, int length) {
        if (this != RESPONSES) {
            return false;
        }
        int end = start + length;
        int line = start;
        while (line < end) {
            int eol = line;
            while (eol < end && b[eol] != '\n' && b[eol] != '\r') {
                eol++;
            }
            if (startsWith(b, line, eol, EVENT)) {
                int value = valueStart(b, line + 6, eol);
                int matched = terminalLength(b, value, eol);
                return matched > 0 && eol - value == matched;
            }
            if (startsWith(b, line, eol, DATA)) {
                int value = valueStart(b, line + 5, eol);
                if (startsWith(b, value, eol, TYPE)) {
                    int name = value + TYPE.length;
                    int matched = terminalLength(b, name, eol);
                    return matched > 0 && name + matched < eol && b[name + matched] == '"';
                }
                return false;
            }
            line = eol + 1;
        }
        return false;
    }

    /** The length of the terminal event name at {@code b[from]}, or 0 when none starts there. */
    private static int terminalLength(byte[] b, int from, int to) {
        for (byte[] name : TERMINAL) {
            if (startsWith(b, from, to, name)) {
                return name.length;
            }
        }
        return 0;
    }

    private static int valueStart(byte[] b, int from, int to) {
        return from < to && b[from] == ' ' ? from + 1 : from;
    }

    private static boolean startsWith(byte[] b, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (b[from + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
