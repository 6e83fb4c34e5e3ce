package relay.proxy;

import com.sun.net.httpserver.Headers;
import java.util.List;
import java.util.Locale;

/** A request asks for an event stream by body ({@code "stream": true}) or by {@code Accept}. */
final class StreamIntent {
    private StreamIntent() {
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
