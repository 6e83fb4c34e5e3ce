package relay.config;

/** The protocol an in-band error event speaks, so that the client's SDK raises it. */
public enum ErrorFormat {
    /** By request path: see {@link #forPath}. */
    AUTO,
    /** OpenAI chat completions (and every OpenAI-compatible API): {@code data: {"error":{…}}}. */
    OPENAI,
    /** Anthropic messages: {@code event: error}. */
    ANTHROPIC,
    /** OpenAI's Responses API: an {@code error} event; the stream must end with a terminal event. */
    RESPONSES,
    /** Google's Gemini API: {@code data: {"error":{"code","message","status"}}}. */
    GEMINI;

    /**
     * The format for a request to {@code path}: this one, or for {@link #AUTO} the one its path names
     * ({@code …/v1/messages} Anthropic, {@code …/responses} Responses, {@code …:streamGenerateContent}
     * or {@code …:generateContent} Gemini, anything else OpenAI). Never {@link #AUTO}.
     */
    public ErrorFormat forPath(String path) {
        if (this != AUTO) {
            return this;
        }
        if (path.endsWith("/v1/messages")) {
            return ANTHROPIC;
        }
        if (path.endsWith("/responses")) {
            return RESPONSES;
        }
        if (path.endsWith(":streamGenerateContent") || path.endsWith(":generateContent")) {
            return GEMINI;
        }
        return OPENAI;
    }
}
