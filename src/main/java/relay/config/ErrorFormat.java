package relay.config;

/** The protocol an in-band error event speaks, so that the client's SDK raises it. */
public enum ErrorFormat {
    /** By request path: {@code /v1/messages} is Anthropic, everything else OpenAI. */
    AUTO,
    OPENAI,
    ANTHROPIC
}
