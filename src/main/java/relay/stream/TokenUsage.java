package relay.stream;

/** Tokens a stream reported about itself: OpenAI's prompt/completion, Anthropic's input/output. */
public record TokenUsage(long input, long output) {
}
