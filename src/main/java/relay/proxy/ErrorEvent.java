package relay.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import relay.config.Config;
import relay.config.DurationFormat;
import relay.config.Route;
import relay.stream.EndReason;
import relay.stream.StreamEnd;

/**
 * The one SSE event that tells a client its stream was cut, in the protocol its SDK understands:
 * OpenAI's {@code data: {"error":{…}}}, Anthropic's {@code event: error}, the Responses API's
 * {@code error} event or Google's {@code data: {"error":{"code","message","status"}}}. The OpenAI SDKs raise
 * the former as an API error; the Anthropic SDK ignores an unnamed {@code data:} error. The wording
 * for each end reason lives here too, next to the shapes.
 */
final class ErrorEvent {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorEvent() {
    }

    /** The final event for a stream that ended for {@code end}'s reason, on {@code route}, for {@code path}. */
    static byte[] forEnd(Config config, Route route, String path, StreamEnd end) {
        String message = switch (end.reason()) {
            case IDLE_TIMEOUT -> "upstream sent nothing for " + DurationFormat.format(route.idleTimeout(config.stream()))
                    + " (stream.idle_timeout)";
            case FIRST_EVENT_TIMEOUT -> "upstream sent no data event within stream.first_event_timeout ("
                    + DurationFormat.format(route.firstEventTimeout(config.stream())) + ")";
            case MAX_DURATION -> "stream reached stream.max_duration ("
                    + DurationFormat.format(route.maxDuration(config.stream())) + ")";
            case UPSTREAM_ERROR -> end.detail() != null ? end.detail()
                    : "upstream connection failed before the stream was complete";
            case LINE_TOO_LONG -> "upstream sent a line longer than stream.max_line (" + config.stream().maxLine()
                    + " bytes)";
            case WRITE_TIMEOUT -> "client did not read for ping.write_timeout ("
                    + DurationFormat.format(config.ping().writeTimeout()) + ")";
            case SHUTDOWN -> "relay is shutting down";
            default -> "relay failed while relaying the stream";
        };
        String code = end.reason().code();
        return switch (route.errors().forPath(path)) {
            case ANTHROPIC -> anthropic(code, message);
            case RESPONSES -> responses(code, message);
            case GEMINI -> gemini(end.reason(), message);
            default -> openAi(code, "relay_error", message);
        };
    }

    /**
     * The Responses API's {@code error} event ({@code type}, {@code code}, {@code message},
     * {@code param}) with the same error nested under {@code error} as well: the openai SDKs raise
     * an event only when its data has an {@code error} member, and a client that follows the
     * {@code type}s sees {@code "error"}.
     */
    static byte[] responses(String code, String message) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", "error");
        root.put("code", code);
        root.put("message", message);
        root.putNull("param");
        ObjectNode error = root.putObject("error");
        error.put("type", "relay_error");
        error.put("code", code);
        error.put("message", message);
        error.putNull("param");
        return ("event: error\ndata: " + new String(json(root), StandardCharsets.UTF_8) + "\n\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Google's error object, with the HTTP code and the canonical status that fit the end reason. */
    static byte[] gemini(EndReason reason, String message) {
        record Status(int code, String name) {
        }
        Status status = switch (reason) {
            case IDLE_TIMEOUT, FIRST_EVENT_TIMEOUT, MAX_DURATION -> new Status(504, "DEADLINE_EXCEEDED");
            case UPSTREAM_ERROR -> new Status(502, "UNAVAILABLE");
            case SHUTDOWN -> new Status(503, "UNAVAILABLE");
            default -> new Status(500, "INTERNAL");
        };
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", status.code());
        error.put("message", message);
        error.put("status", status.name());
        return ("data: " + new String(json(root), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] openAi(String code, String type, String message) {
        return ("data: " + new String(openAiJson(message, type, code), StandardCharsets.UTF_8) + "\n\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] anthropic(String type, String message) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", "error");
        ObjectNode error = root.putObject("error");
        error.put("type", type);
        error.put("message", message);
        return ("event: error\ndata: " + new String(json(root), StandardCharsets.UTF_8) + "\n\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** {@code {"error":{"message","type","code"}}}: relay's own error responses and OpenAI-style events. */
    static byte[] openAiJson(String message, String type, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("code", code);
        return json(root);
    }

    private static byte[] json(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
