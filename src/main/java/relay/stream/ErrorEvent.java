package relay.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one SSE event that tells a client its stream was cut, in the protocol its SDK understands:
 * OpenAI's {@code data: {"error":{…}}} or Anthropic's {@code event: error}. The OpenAI SDKs raise
 * the former as an API error; the Anthropic SDK ignores an unnamed {@code data:} error.
 */
public final class ErrorEvent {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorEvent() {
    }

    public static byte[] openAi(String code, String type, String message) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("code", code);
        return ("data: " + json(root) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] anthropic(String type, String message) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", "error");
        ObjectNode error = root.putObject("error");
        error.put("type", type);
        error.put("message", message);
        return ("event: error\ndata: " + json(root) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String json(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
