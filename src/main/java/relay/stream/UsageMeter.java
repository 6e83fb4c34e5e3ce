package relay.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Picks token usage out of a relayed stream for the access log: OpenAI's final chunk with
 * {@code "usage":{"prompt_tokens","completion_tokens"}}, Anthropic's {@code message_start}
 * ({@code message.usage.input_tokens}, cache tokens) and {@code message_delta}
 * ({@code usage.output_tokens}), the Responses API's {@code response.completed}
 * ({@code response.usage}) and Gemini's {@code usageMetadata} (in every chunk; the last one counts).
 * They put {@code "usage"} (or {@code "usageMetadata"}) near the end of their JSON, so only the last
 * {@link #TAIL} bytes of each event are searched; the rare event that has it is parsed with jackson.
 * The cost per ordinary event is one bounded byte search (UsageMeterBenchmark). A terminal event
 * ({@code response.completed}, which carries the whole response) is parsed whole.
 */
public final class UsageMeter {
    /** OpenAI's usage object with its token details runs to about 300 bytes after {@code "usage"}. */
    static final int TAIL = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    private long input = -1;
    private long output = -1;
    private long cacheRead = -1;
    private long cacheWrite = -1;

    public UsageMeter() {
    }

    void observe(byte[] buffer, int start, int length) {
        observe(buffer, start, length, false);
    }

    /** {@code whole}: search the whole event, not only its tail. */
    void observe(byte[] buffer, int start, int length, boolean whole) {
        int from = whole ? start : Math.max(start, start + length - TAIL);
        if (!contains(buffer, from, start + length)) {
            return;
        }
        int data = indexOf(buffer, start, start + length, "data:".getBytes(StandardCharsets.US_ASCII));
        if (data < 0) {
            return;
        }
        try {
            JsonNode root = JSON.readTree(buffer, data + 5, start + length - data - 5);
            read(root.path("usage"));
            read(root.path("message").path("usage"));
            read(root.path("response").path("usage"));
            readGemini(root.path("usageMetadata"));
        } catch (IOException | RuntimeException e) {
            // not JSON, or several data lines: usage is best effort and never affects the stream
        }
    }

    private void read(JsonNode usage) {
        if (!usage.isObject()) {
            return;
        }
        if (usage.path("prompt_tokens").isNumber()) {
            input = usage.path("prompt_tokens").asLong();
        }
        if (usage.path("completion_tokens").isNumber()) {
            output = usage.path("completion_tokens").asLong();
        }
        if (usage.path("input_tokens").isNumber()) {
            input = usage.path("input_tokens").asLong();
        }
        if (usage.path("output_tokens").isNumber()) {
            output = usage.path("output_tokens").asLong(); // message_delta's count is cumulative
        }
        if (usage.path("cache_read_input_tokens").isNumber()) {
            cacheRead = usage.path("cache_read_input_tokens").asLong();
        }
        if (usage.path("cache_creation_input_tokens").isNumber()) {
            cacheWrite = usage.path("cache_creation_input_tokens").asLong();
        }
        JsonNode cached = usage.path("prompt_tokens_details").path("cached_tokens"); // chat completions
        if (!cached.isNumber()) {
            cached = usage.path("input_tokens_details").path("cached_tokens"); // the Responses API
        }
        if (cached.isNumber()) {
            cacheRead = cached.asLong();
        }
    }

    /** Gemini bills thinking as output: {@code thoughtsTokenCount} is added to the candidates'. */
    private void readGemini(JsonNode usage) {
        if (!usage.isObject()) {
            return;
        }
        if (usage.path("promptTokenCount").isNumber()) {
            input = usage.path("promptTokenCount").asLong();
        }
        if (usage.path("candidatesTokenCount").isNumber() || usage.path("thoughtsTokenCount").isNumber()) {
            output = usage.path("candidatesTokenCount").asLong(0) + usage.path("thoughtsTokenCount").asLong(0);
        }
        if (usage.path("cachedContentTokenCount").isNumber()) {
            cacheRead = usage.path("cachedContentTokenCount").asLong();
        }
    }

    /** Null when the stream carried no usage. */
    public TokenUsage usage() {
        return input < 0 && output < 0 ? null
                : new TokenUsage(Math.max(0, input), Math.max(0, output), cacheRead, cacheWrite);
    }

    /**
     * Looks for {@code "usage"} or {@code "usageMetadata} anchored on its rarest byte, 'g': the loop
     * tests one byte per position and only checks the rest of the needle where a 'g' is.
     */
    private static boolean contains(byte[] b, int from, int to) {
        for (int i = from + 4; i < to - 2; i++) {
            if (b[i] == 'g' && b[i - 1] == 'a' && b[i - 2] == 's' && b[i - 3] == 'u' && b[i - 4] == '"'
                    && b[i + 1] == 'e' && (b[i + 2] == '"' || b[i + 2] == 'M')) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] b, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (b[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
