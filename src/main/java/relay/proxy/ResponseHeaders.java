package relay.proxy;

import com.sun.net.httpserver.Headers;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import relay.upstream.Header;

/** Copies an upstream's end-to-end response headers to the client's response. */
final class ResponseHeaders {
    /** The JDK server frames the body and dates the response itself. */
    private static final Set<String> SET_BY_SERVER = Set.of("content-length", "date");

    private ResponseHeaders() {
    }

    static void copy(List<Header> upstream, Headers client) {
        copy(upstream, client, false);
    }

    /** {@code relayAnswersCors}: the route has CORS of its own, and the upstream's Access-Control-* headers go. */
    static void copy(List<Header> upstream, Headers client, boolean relayAnswersCors) {
        Map<String, List<String>> asMap = new HashMap<>();
        for (Header header : upstream) {
            asMap.computeIfAbsent(header.name(), k -> new java.util.ArrayList<>()).add(header.value());
        }
        Set<String> hopByHop = HopByHop.namesIn(asMap);
        for (Header header : upstream) {
            if (!HopByHop.isHopByHop(header.name(), hopByHop)
                    && !SET_BY_SERVER.contains(header.name().toLowerCase(Locale.ROOT))
                    && !(relayAnswersCors && CorsPolicy.isCorsHeader(header.name()))) {
                client.add(header.name(), header.value());
            }
        }
    }

    /** The SSE headers new-api sends: no caching, and no buffering by nginx in front of relay. */
    static void setEventStream(Headers client) {
        if (!client.containsKey("Content-Type")) {
            client.set("Content-Type", "text/event-stream");
        }
        client.set("Cache-Control", "no-cache");
        client.set("X-Accel-Buffering", "no");
    }
}
