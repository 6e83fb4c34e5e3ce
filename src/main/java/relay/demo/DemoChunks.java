package relay.demo;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The JSON texts of one demo completion, in OpenAI's chat-completions wire format and field order, built
 * as plain strings: they are tiny and fixed-shape, so a tree and a mapper per chunk would buy nothing.
 * Every caller-supplied string goes through {@link #quote} so that a model name cannot break the JSON or
 * the one-line {@code data:} framing.
 */
final class DemoChunks {

    private final String head;
    private final String completionHead;

    /** {@code model} is used as given (already defaulted by the caller). */
    DemoChunks(String id, long created, String model) {
        this.head = head(id, "chat.completion.chunk", created, model);
        this.completionHead = head(id, "chat.completion", created, model);
    }

    /** A content chunk; the first one of a stream also carries the assistant role, as OpenAI's does. */
    String content(String text, boolean first) {
        String role = first ? "\"role\":\"assistant\"," : "";
        return event("{" + head + ",\"choices\":[{\"index\":0,\"delta\":{" + role + "\"content\":" + quote(text)
                + "},\"finish_reason\":null}]}");
    }

    String finish() {
        return event("{" + head + ",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
    }

    String usage(int promptTokens, int completionTokens) {
        return event("{" + head + ",\"choices\":[]," + usageField(promptTokens, completionTokens) + "}");
    }

    static String done() {
        return event("[DONE]");
    }

    /** The whole answer as one non-streaming {@code chat.completion} object. */
    String completion(String text, int promptTokens, int completionTokens) {
        return "{" + completionHead + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + quote(text) + "},\"finish_reason\":\"stop\"}]," + usageField(promptTokens, completionTokens) + "}";
    }

    static String error(String message, String code) {
        return "{\"error\":{\"message\":" + quote(message) + ",\"type\":\"invalid_request_error\",\"code\":"
                + quote(code) + "}}";
    }

    private static String head(String id, String object, long created, String model) {
        return "\"id\":" + quote(id) + ",\"object\":" + quote(object) + ",\"created\":" + created + ",\"model\":"
                + quote(model);
    }

    private static String usageField(int promptTokens, int completionTokens) {
        return "\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
                + ",\"total_tokens\":" + ((long) promptTokens + completionTokens) + "}";
    }

    private static String event(String data) {
        return "data: " + data + "\n\n";
    }

    private static String quote(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }
}
