package relay.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import relay.config.Config;
import relay.config.DurationFormat;
import relay.config.ErrorFormat;
import relay.config.Route;
import relay.stream.StreamEnd;

/**
 * The one SSE event that tells a client its stream was cut, in the protocol its SDK understands:
 * OpenAI's {@code data: {"error":{…}}} or Anthropic's {@code event: error}. The OpenAI SDKs raise
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
        boolean anthropic = route.errors() == ErrorFormat.ANTHROPIC
                || (route.errors() == ErrorFormat.AUTO && path.endsWith("/v1/messages"));
        return anthropic ? anthropic(end.reason().code(), message) : openAi(end.reason().code(), "relay_error", message);
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
