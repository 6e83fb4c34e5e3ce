package relay.proxy;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * A request asks for an event stream by body ({@code "stream": true}), by {@code Accept}, or by its
 * path (Gemini's {@code :streamGenerateContent?alt=sse}, whose body has no stream flag).
 */
final class StreamIntent {
    private StreamIntent() {
    }

    /**
     * Gemini's {@code …:streamGenerateContent} answers SSE only with {@code alt=sse}; without it the
     * answer is one JSON array, written as it is generated, which relay proxies as any JSON answer.
     */
    static boolean pathAsksForStream(URI uri) {
        if (!uri.getRawPath().endsWith(":streamGenerateContent")) {
            return false;
        }
        String query = uri.getRawQuery();
        if (query == null) {
            return false;
        }
        for (String parameter : query.split("&")) {
            if (parameter.equals("alt=sse")) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code Accept: text/event-stream} asks for a stream; {@code application/json, text/event-stream}
     * does not: the client takes either, so relay must not commit it to one.
     */
    static boolean acceptsOnlyEventStream(Headers headers) {
        List<String> values = headers.get("Accept");
        if (values == null || values.isEmpty()) {
            return false;
        }
        boolean sawEventStream = false;
        for (String value : values) {
            for (String range : value.split(",")) {
                String type = range.split(";")[0].trim().toLowerCase(Locale.ROOT);
                if (type.isEmpty()) {
                    continue;
                }
                if (!type.equals("text/event-stream")) {
                    return false;
                }
                sawEventStream = true;
            }
        }
        return sawEventStream;
    }
}
