package relay.stream;

/**
 * Tokens a stream reported about itself: OpenAI's prompt/completion (input/output in the Responses
 * API), Anthropic's input/output, Gemini's prompt/candidates. {@code cacheRead} and
 * {@code cacheWrite} are -1 when the stream did not report them.
 */
public record TokenUsage(long input, long output, long cacheRead, long cacheWrite) {
    public TokenUsage(long input, long output) {
        this(input, output, -1, -1);
    }
}
