package relay.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;

/**
 * Finds a top-level {@code "stream": true} in a JSON body as its bytes go by, with jackson's
 * non-blocking parser, so the body never has to be held whole. Anything that is not a JSON object
 * (or stops parsing) simply never becomes a stream request.
 */
final class StreamFlagSniffer {
    private static final JsonFactory JSON = new JsonFactory();

    enum Verdict { UNDECIDED, STREAM, NOT_STREAM }

    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private int depth;
    private boolean streamFieldNext;
    private Verdict verdict = Verdict.UNDECIDED;

    StreamFlagSniffer() {
        try {
            this.parser = JSON.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    Verdict verdict() {
        return verdict;
    }

    /** Parses {@code bytes}; they are fully consumed before this returns, so the caller may reuse them. */
    void feed(byte[] bytes, int offset, int length) {
        if (verdict != Verdict.UNDECIDED || length == 0) {
            return;
        }
        try {
            feeder.feedInput(bytes, offset, offset + length);
            advance();
        } catch (IOException | RuntimeException e) {
            verdict = Verdict.NOT_STREAM; // not JSON: not a stream request by body
        }
        if (verdict != Verdict.UNDECIDED) {
            release();
        }
    }

    /** The parser's buffers go back to jackson's pool at once, not when the exchange ends. */
    private void release() {
        try {
            parser.close();
        } catch (IOException e) {
            // nothing held
        }
    }

    /** The body ended: whatever was not found is not there. */
    void end() {
        if (verdict == Verdict.UNDECIDED) {
            verdict = Verdict.NOT_STREAM;
            feeder.endOfInput();
            release();
        }
    }

    private void advance() throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
            if (depth == 0 && token != JsonToken.START_OBJECT) {
                verdict = Verdict.NOT_STREAM;
                return;
            }
            switch (token) {
                case START_OBJECT, START_ARRAY -> {
                    if (depth == 1 && streamFieldNext) {
                        verdict = Verdict.NOT_STREAM;
                        return;
                    }
                    depth++;
                }
                case END_OBJECT, END_ARRAY -> {
                    depth--;
                    if (depth == 0) {
                        verdict = Verdict.NOT_STREAM;
                        return;
                    }
                }
                case FIELD_NAME -> streamFieldNext = depth == 1 && "stream".equals(parser.currentName());
                default -> {
                    if (depth == 1 && streamFieldNext) {
                        verdict = token == JsonToken.VALUE_TRUE ? Verdict.STREAM : Verdict.NOT_STREAM;
                        return;
                    }
                }
            }
            if (token != JsonToken.FIELD_NAME) {
                streamFieldNext = false;
            }
        }
    }
}
