package relay.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import relay.testing.RawExchange.Raw;

/** Asserts relay's own error responses have the OpenAI shape {@code {"error":{"message","type","code"}}}. */
public final class ErrorShape {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorShape() {
    }

    public static void assertResponse(Raw response, String code) throws IOException {
        String type = response.headers().get("content-type");
        assertNotNull(type, "error without Content-Type: " + response.text());
        assertTrue(type.toLowerCase(Locale.ROOT).startsWith("application/json"), type);
        assertJson(response.body(), code);
    }

    public static JsonNode assertJson(String body, String code) throws IOException {
        JsonNode root = JSON.readTree(body);
        assertEquals(1, root.size(), root.toString());
        JsonNode error = root.get("error");
        assertNotNull(error, root.toString());
        assertInstanceOf(com.fasterxml.jackson.databind.node.ObjectNode.class, error, root.toString());
        for (String field : List.of("message", "type", "code")) {
            assertTrue(error.path(field).isTextual() && !error.path(field).asText().isBlank(), root.toString());
        }
        assertEquals(code, error.get("code").asText(), root.toString());
        return error;
    }
}
