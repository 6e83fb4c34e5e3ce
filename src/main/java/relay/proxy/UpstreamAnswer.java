package relay.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import relay.upstream.Header;
import relay.upstream.UpstreamResponse;

/** Reads what an upstream answered, for decisions and for the messages relay puts in error events. */
final class UpstreamAnswer {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_ERROR_BODY = 4096;
    private static final int MAX_MESSAGE = 500;
    /** Headers worth telling a client about after relay has already committed its own. */
    private static final Set<String> NOTICE_PREFIXES = Set.of("x-", "openai-", "anthropic-", "request-id", "retry-after");
    private static final Set<String> NEVER_NOTICED = Set.of("x-api-key", "set-cookie", "cookie", "authorization");

    private UpstreamAnswer() {
    }

    static boolean isEventStream(UpstreamResponse response) {
        return response.isEventStream();
    }

    /**
     * "upstream answered 429: Rate limit reached…": the upstream's status and its own message, read from
     * at most {@link #MAX_ERROR_BODY} bytes of its body and cut to one short line.
     */
    static String failureMessage(UpstreamResponse response, java.util.List<String> secrets) {
        return failureMessage(response, text -> redact(text, secrets));
    }

    /** An upstream quoting the key it was sent ("Incorrect API key provided: sk-…") must not pass it on. */
    static String redact(String message, java.util.List<String> secrets) {
        String result = message;
        for (String secret : secrets) {
            if (secret.length() >= 4) {
                result = result.replace(secret, "***");
            }
        }
        return result;
    }

    private static String failureMessage(UpstreamResponse response, java.util.function.UnaryOperator<String> clean) {
        String contentType = response.header("Content-Type").orElse("(none)");
        if (response.status() / 100 == 2) {
            return "upstream answered " + response.status() + " with Content-Type " + contentType
                    + " instead of text/event-stream";
        }
        String own = "";
        try {
            byte[] body = response.body().readNBytes(MAX_ERROR_BODY);
            own = messageIn(new String(body, StandardCharsets.UTF_8), clean);
        } catch (IOException e) {
            // the status alone still says what happened
        }
        return "upstream answered " + response.status() + (own.isEmpty() ? "" : ": " + own);
    }

    private static String messageIn(String body, java.util.function.UnaryOperator<String> clean) {
        String text = body;
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode message = root.path("error").path("message");
            if (message.isTextual()) {
                text = message.asText();
            } else if (root.path("message").isTextual()) {
                text = root.path("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON (or cut at the size bound): use the text
        }
        text = clean.apply(text.replaceAll("\\s+", " ").trim()); // before cutting: no half a key survives
        return text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) + "…" : text;
    }

    /** {@code : upstream x-request-id=abc, retry-after=3\n\n}, or null when there is nothing to tell. */
    static byte[] lateHeadersNotice(UpstreamResponse response) {
        StringBuilder notice = new StringBuilder();
        for (Header header : response.headers()) {
            String name = header.name().toLowerCase(Locale.ROOT);
            if (NEVER_NOTICED.contains(name) || NOTICE_PREFIXES.stream().noneMatch(name::startsWith)) {
                continue;
            }
            notice.append(notice.isEmpty() ? ": upstream " : ", ").append(name).append('=')
                    .append(header.value().replaceAll("[\\r\\n]", " "));
        }
        return notice.isEmpty() ? null : notice.append("\n\n").toString().getBytes(StandardCharsets.UTF_8);
    }
}
