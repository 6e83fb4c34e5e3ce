package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/** Errors relay answers itself, always in the OpenAI shape {@code {"error":{"message","type","code"}}}. */
final class ErrorResponses {
    private ErrorResponses() {
    }

    /**
     * Sends the error as the whole response and returns the body's size in bytes (0 when the client
     * left first; the access log records the status we meant to send).
     */
    static int send(HttpExchange exchange, int status, String message, String type, String code) {
        byte[] body = ErrorEvent.openAiJson(message, type, code);
        try {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            return body.length;
        } catch (IOException e) {
            return 0;
        }
    }
}
