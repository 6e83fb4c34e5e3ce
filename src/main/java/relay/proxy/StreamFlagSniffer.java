package relay.proxy;

import java.nio.charset.StandardCharsets;

/**
 * Finds a top-level {@code "stream": true} in a JSON request body as its bytes go by, in a fixed few
 * hundred bytes whatever the body holds, and the top-level {@code "model"} string (up to
 * {@link #MAX_MODEL_BYTES}) that model routing and the access log use. The verdict is what a JSON parser reading the whole body would
 * say: STREAM exactly when the body is one JSON object whose top-level {@code stream} member is the
 * literal {@code true}; arrays, strings, numbers, malformed or truncated JSON are NOT_STREAM.
 *
 * <p>Why hand-written: the OpenAI SDKs put {@code messages} (which may carry a multi-MiB base64 image)
 * before {@code stream}. Jackson's non-blocking parser, the only one of its parsers that can be fed
 * chunks, copies every string token whole into its text buffer (it has no lazy or skipping mode; the
 * blocking parser's {@code _skipString} needs a pull {@code InputStream}, i.e. a thread or the whole
 * body) and gives up past {@code StreamReadConstraints}' 20,000,000-char string limit: a 20 MiB image
 * cost about 40 MB of {@code char[]} and came out NOT_STREAM. This scanner keeps only a state, one bit
 * per nesting level, and how much of {@code "stream"} the current top-level key has matched.
 *
 * <p>Choices (jackson's {@code ObjectMapper.readTree} decides the same, unless said otherwise):
 * <ul>
 * <li>A repeated top-level {@code stream} key: the last one wins (Python's {@code json} too). The verdict
 * reported before the root object ends is the last value seen so far, so {@link RequestBody} can decide
 * before sending the head upstream, right unless a later duplicate or a syntax error changes it; it is
 * final once {@link #settled()}: when the root object closes, the body ends, or the JSON is found broken.
 * <li>Keys are compared after decoding escapes: <code>"&#92;u0073tream"</code> is {@code stream}. A lone
 * surrogate escape (<code>"&#92;uD83D"</code> without its pair) is accepted in keys as in values, as
 * Python's {@code json} does; jackson 2.21 rejects it in keys only.
 * <li>One leading UTF-8 byte order mark is skipped. Other encodings are not detected (jackson and Python
 * would): RFC 8259 §8.1 says JSON between systems is UTF-8, and a UTF-16 body is NOT_STREAM here.
 * <li>Nesting deeper than {@link #MAX_DEPTH} (jackson's default limit, the root included) is malformed.
 * <li>Nothing after the root object is read: {@code {"stream":true} junk} is STREAM (Python would reject
 * the body; it is settled when the root closes because with a Content-Length the end never comes).
 * </ul>
 * Deliberately not checked: that bytes inside strings are valid UTF-8, and parsers' length limits on
 * strings, names and numbers. Upstream answers such a body with a quick error, so calling it a stream
 * request costs little: an {@code Accept-Encoding: identity}, and stream handling only if that error is
 * slower than the header grace.
 */
final class StreamFlagSniffer {
    /** The nesting a body may have, the root object included: jackson's {@code StreamReadConstraints} default. */
    static final int MAX_DEPTH = 1000;

    /** Longer model names are not names: such a value counts as no model. */
    static final int MAX_MODEL_BYTES = 256;
    private static final byte[] STREAM = "stream".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MODEL = "model".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    enum Verdict { UNDECIDED, STREAM, NOT_STREAM }

    private enum State {
        START, BOM_2, BOM_3, // the first byte, and the rest of a byte order mark
        ROOT,                // before the root value
        OBJECT_START,        // after '{': a key or '}'
        NEXT_KEY,            // after ',' in an object
        COLON,               // after a key
        VALUE,               // after ':', or ',' in an array
        ARRAY_START,         // after '[': a value or ']'
        AFTER_VALUE,         // ',' or the end of the container
        STRING, ESCAPE, UNICODE,                                              // in a key or a string value
        LITERAL,                                                              // in true, false or null
        MINUS, ZERO, INTEGER, POINT, FRACTION, EXPONENT_MARK, EXPONENT_SIGN, EXPONENT, // in a number
        DONE                 // settled: nothing more is read
    }

    private State state = State.START;
    private Verdict verdict = Verdict.UNDECIDED;
    /** Bit d is set when the container at depth d (0 = the root) is an object, clear for an array. */
    private final long[] objects = new long[(MAX_DEPTH + 63) / 64];
    private int depth;
    private boolean inKey;
    /** How many bytes of "stream" the current top-level key has matched, or -1 once it cannot be "stream". */
    private int keyMatched;
    /** The same for "model". */
    private int modelMatched;
    /** The top-level value being read is a {@code stream} member's. */
    private boolean streamMember;
    /** The top-level value being read is a {@code model} member's. */
    private boolean modelMember;
    /** The bytes of the {@code model} string being read (UTF-8), while {@link #capturing}. */
    private byte[] captured;
    private int capturedLength;
    private boolean capturing;
    private boolean modelSeen;
    private String model;
    /** The top-level value being read starts with 't' (and so, if it completes, is {@code true}). */
    private boolean valueIsTrue;
    private byte[] literal;
    private int literalAt;
    private int unicode;
    private int hexDigits;

    /**
     * UNDECIDED while no top-level {@code stream} value has been read; then the last one's verdict,
     * which a later duplicate key or a syntax error may still change until {@link #settled()}.
     */
    Verdict verdict() {
        return verdict;
    }

    /**
     * The last top-level {@code model} string read so far (decoded), or null: none yet, not a string,
     * or longer than {@link #MAX_MODEL_BYTES}.
     */
    String model() {
        return model;
    }

    /** A top-level {@code model} member has been read (its value may still be null: see {@link #model()}). */
    boolean modelSeen() {
        return modelSeen;
    }

    /** The verdict is final. */
    boolean settled() {
        return state == State.DONE;
    }

    /** Scans {@code bytes}; nothing of them is kept, so the caller may reuse them. */
    void feed(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end && state != State.DONE) {
            if (state == State.STRING && !matchingKey() && !capturing) {
                i = skipPlainText(bytes, i, end); // the fast path through a long string
                if (i == end) {
                    return;
                }
            }
            if (step(bytes[i] & 0xff)) {
                i++;
            }
        }
    }

    /** The body ended: a root object that has not closed is truncated JSON. */
    void end() {
        if (state != State.DONE) {
            reject();
        }
    }

    private boolean matchingKey() {
        return inKey && depth == 1 && (keyMatched >= 0 || modelMatched >= 0);
    }

    private static int skipPlainText(byte[] bytes, int i, int end) {
        while (i < end) {
            int b = bytes[i] & 0xff;
            if (b == '"' || b == '\\' || b < 0x20) {
                break;
            }
            i++;
        }
        return i;
    }

    /** Handles one byte; false when it ended a number and must be read again in the new state. */
    private boolean step(int b) {
        switch (state) {
            case START -> {
                if (b == 0xEF) {
                    state = State.BOM_2;
                } else {
                    state = State.ROOT;
                    return false;
                }
            }
            case BOM_2 -> expect(b == 0xBB, State.BOM_3);
            case BOM_3 -> expect(b == 0xBF, State.ROOT);
            case ROOT -> {
                if (!whitespace(b)) {
                    if (b == '{') {
                        open(true, State.OBJECT_START);
                    } else {
                        reject(); // not an object (or not JSON)
                    }
                }
            }
            case OBJECT_START -> {
                if (b == '}') {
                    close();
                } else if (b == '"') {
                    startKey();
                } else if (!whitespace(b)) {
                    reject();
                }
            }
            case NEXT_KEY -> {
                if (b == '"') {
                    startKey();
                } else if (!whitespace(b)) {
                    reject();
                }
            }
            case COLON -> {
                if (b == ':') {
                    state = State.VALUE;
                } else if (!whitespace(b)) {
                    reject();
                }
            }
            case ARRAY_START -> {
                if (b == ']') {
                    close();
                } else if (!whitespace(b)) {
                    state = State.VALUE;
                    return false;
                }
            }
            case VALUE -> startValue(b);
            case AFTER_VALUE -> {
                boolean inObject = isObject(depth - 1);
                if (b == ',') {
                    state = inObject ? State.NEXT_KEY : State.VALUE;
                } else if (b == (inObject ? '}' : ']')) {
                    close();
                } else if (!whitespace(b)) {
                    reject();
                }
            }
            case STRING -> {
                if (b == '"') {
                    endString();
                } else if (b == '\\') {
                    state = State.ESCAPE;
                } else if (b < 0x20) {
                    reject(); // control characters must be escaped
                } else {
                    stringByte(b); // a byte of a multi-byte character is >= 0x80: never a letter of a key we look for
                }
            }
            case ESCAPE -> {
                if (b == 'u') {
                    unicode = 0;
                    hexDigits = 0;
                    state = State.UNICODE;
                } else if ("\"\\/bfnrt".indexOf(b) >= 0) {
                    stringChar("\"\\/\b\f\n\r\t".charAt("\"\\/bfnrt".indexOf(b))); // never a letter of a key we look for
                    state = State.STRING;
                } else {
                    reject();
                }
            }
            case UNICODE -> {
                int digit = hex(b);
                if (digit < 0) {
                    reject();
                } else {
                    unicode = unicode * 16 + digit;
                    if (++hexDigits == 4) {
                        stringChar(unicode);
                        state = State.STRING;
                    }
                }
            }
            case LITERAL -> {
                if (b != literal[literalAt]) {
                    reject();
                } else if (++literalAt == literal.length) {
                    valueDone();
                }
            }
            case MINUS -> expect(digit(b), b == '0' ? State.ZERO : State.INTEGER);
            case ZERO -> {
                return fractionOrExponentOrEnd(b);
            }
            case INTEGER -> {
                return digit(b) || fractionOrExponentOrEnd(b);
            }
            case POINT -> expect(digit(b), State.FRACTION);
            case FRACTION -> {
                if (b == 'e' || b == 'E') {
                    state = State.EXPONENT_MARK;
                } else if (!digit(b)) {
                    return endNumber();
                }
            }
            case EXPONENT_MARK -> {
                if (b == '+' || b == '-') {
                    state = State.EXPONENT_SIGN;
                } else {
                    expect(digit(b), State.EXPONENT);
                }
            }
            case EXPONENT_SIGN -> expect(digit(b), State.EXPONENT);
            case EXPONENT -> {
                if (!digit(b)) {
                    return endNumber();
                }
            }
            case DONE -> { }
        }
        return true;
    }

    private void startValue(int b) {
        if (whitespace(b)) {
            return;
        }
        if (depth == 1) {
            valueIsTrue = b == 't';
            if (modelMember) {
                capturing = b == '"';
                capturedLength = 0;
                if (!capturing) {
                    model = null; // "model": 42 names no model
                    modelSeen = true;
                }
            }
        }
        switch (b) {
            case '{' -> open(true, State.OBJECT_START);
            case '[' -> open(false, State.ARRAY_START);
            case '"' -> {
                inKey = false;
                state = State.STRING;
            }
            case 't' -> startLiteral(TRUE);
            case 'f' -> startLiteral(FALSE);
            case 'n' -> startLiteral(NULL);
            case '-' -> state = State.MINUS;
            case '0' -> state = State.ZERO;
            default -> expect(digit(b), State.INTEGER);
        }
    }

    private void startLiteral(byte[] word) {
        literal = word;
        literalAt = 1;
        state = State.LITERAL;
    }

    private boolean fractionOrExponentOrEnd(int b) {
        if (b == '.') {
            state = State.POINT;
        } else if (b == 'e' || b == 'E') {
            state = State.EXPONENT_MARK;
        } else {
            return endNumber();
        }
        return true;
    }

    /** A number ends at the first byte that cannot continue it; that byte is read again after it. */
    private boolean endNumber() {
        valueDone();
        return false;
    }

    private void startKey() {
        inKey = true;
        keyMatched = 0;
        modelMatched = 0;
        state = State.STRING;
    }

    /** One byte of the current string as it stands in the body (not an escape). */
    private void stringByte(int b) {
        if (matchingKey()) {
            matchKey(b);
        } else if (capturing) {
            capture(b);
        }
    }

    /** One character of the current string written as an escape ({@code \n}, {@code \u0073}). */
    private void stringChar(int c) {
        if (matchingKey()) {
            matchKey(c);
        } else if (capturing) {
            if (c < 0x80) {
                capture(c);
            } else if (c < 0x800) {
                capture(0xC0 | c >> 6);
                capture(0x80 | c & 0x3F);
            } else { // a lone surrogate half comes out as a malformed sequence, decoded as U+FFFD
                capture(0xE0 | c >> 12);
                capture(0x80 | c >> 6 & 0x3F);
                capture(0x80 | c & 0x3F);
            }
        }
    }

    private void matchKey(int c) {
        if (keyMatched >= 0) {
            keyMatched = keyMatched < STREAM.length && c == STREAM[keyMatched] ? keyMatched + 1 : -1;
        }
        if (modelMatched >= 0) {
            modelMatched = modelMatched < MODEL.length && c == MODEL[modelMatched] ? modelMatched + 1 : -1;
        }
    }

    /** Past {@link #MAX_MODEL_BYTES} the length is still counted, so the value is known to be too long. */
    private void capture(int b) {
        if (captured == null) {
            captured = new byte[MAX_MODEL_BYTES];
        }
        if (capturedLength < MAX_MODEL_BYTES) {
            captured[capturedLength] = (byte) b;
        }
        capturedLength++;
    }

    private void endString() {
        if (!inKey) {
            if (capturing) {
                capturing = false;
                model = capturedLength > MAX_MODEL_BYTES ? null
                        : capturedLength == 0 ? "" : new String(captured, 0, capturedLength, StandardCharsets.UTF_8);
                modelSeen = true;
            }
            valueDone();
            return;
        }
        if (depth == 1) {
            streamMember = keyMatched == STREAM.length;
            modelMember = modelMatched == MODEL.length;
        }
        state = State.COLON;
    }

    private void valueDone() {
        if (depth == 1 && streamMember) {
            verdict = valueIsTrue ? Verdict.STREAM : Verdict.NOT_STREAM; // the last "stream" member wins
            streamMember = false;
        }
        if (depth == 1) {
            modelMember = false; // the last "model" member wins, as for "stream"
        }
        state = State.AFTER_VALUE;
    }

    private void open(boolean object, State next) {
        if (depth == MAX_DEPTH) {
            reject();
            return;
        }
        long bit = 1L << (depth & 63);
        objects[depth >> 6] = object ? objects[depth >> 6] | bit : objects[depth >> 6] & ~bit;
        depth++;
        state = next;
    }

    private boolean isObject(int level) {
        return (objects[level >> 6] & (1L << (level & 63))) != 0;
    }

    private void close() {
        depth--;
        if (depth > 0) {
            valueDone(); // the container was a value in its parent
        } else {
            state = State.DONE;
            verdict = verdict == Verdict.STREAM ? Verdict.STREAM : Verdict.NOT_STREAM;
        }
    }

    private void expect(boolean ok, State next) {
        if (ok) {
            state = next;
        } else {
            reject();
        }
    }

    /** Not JSON, not an object, or cut short: not a stream request by its body. */
    private void reject() {
        state = State.DONE;
        verdict = Verdict.NOT_STREAM;
    }

    private static boolean whitespace(int b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private static boolean digit(int b) {
        return b >= '0' && b <= '9';
    }

    private static int hex(int b) {
        if (digit(b)) {
            return b - '0';
        }
        int lower = b | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }
}
