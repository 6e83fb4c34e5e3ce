package relay.proxy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import relay.upstream.Header;
import relay.upstream.UpstreamRequest;

/** Turns a client's request into the upstream request: same method, path, query and body; end-to-end headers. */
final class RequestForwarding {
    /** Framing and routing headers the upstream client sets itself. */
    private static final Set<String> REPLACED = Set.of("host", "content-length", "expect");

    private RequestForwarding() {
    }

    /**
     * A stream request asks the upstream for an uncompressed body: a compressed event stream could be
     * neither scanned for event boundaries nor pinged without decoding it. Every other request may
     * only accept codings relay can decode ({@link StreamDecoding}), because its stream flag may sit
     * past the prefix relay reads before sending: whatever answers it, an event stream can be pinged.
     * {@code rawPath} is the path the route maps the request's to (its own, or without the prefix).
     */
    static UpstreamRequest build(HttpExchange exchange, String rawPath, Map<String, String> upstreamHeaders,
            InputStream body, long contentLength, boolean stream, boolean consumeCredentials, String requestId) {
        String rawQuery = exchange.getRequestURI().getRawQuery();
        String target = rawQuery == null ? rawPath : rawPath + "?" + rawQuery;
        List<Header> headers = headers(exchange.getRequestHeaders(), upstreamHeaders);
        if (consumeCredentials) {
            // the route's own headers (added last) supply the upstream's credentials
            headers.removeIf(h -> ClientAuth.isCredentialHeader(h.name()) && !upstreamHeaders.containsKey(h.name()));
        }
        headers.removeIf(h -> h.is(ProxyHandler.REQUEST_ID));
        headers.add(new Header(ProxyHandler.REQUEST_ID, requestId));
        String accepted = stream ? "identity" : decodable(exchange.getRequestHeaders().get("Accept-Encoding"));
        headers.removeIf(h -> h.is("Accept-Encoding"));
        if (accepted != null) {
            headers.add(new Header("Accept-Encoding", accepted));
        }
        return new UpstreamRequest(exchange.getRequestMethod(), target, headers, body, contentLength);
    }

    /** The client's Accept-Encoding cut to what relay can decode; null when it sent none. */
    private static String decodable(List<String> values) {
        if (values == null) {
            return null;
        }
        List<String> kept = new ArrayList<>();
        for (String value : values) {
            for (String item : value.split(",")) {
                String coding = item.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
                if (StreamDecoding.DECODABLE.contains(coding)) {
                    kept.add(item.trim());
                }
            }
        }
        return kept.isEmpty() ? "identity" : String.join(", ", kept);
    }

    static List<Header> headers(Headers client, Map<String, String> routeHeaders) {
        Set<String> hopByHop = HopByHop.namesIn(client);
        List<Header> result = new ArrayList<>();
        for (Map.Entry<String, List<String>> entry : client.entrySet()) {
            String name = entry.getKey();
            String lower = name.toLowerCase(Locale.ROOT);
            if (HopByHop.isHopByHop(name, hopByHop) || REPLACED.contains(lower) || overridden(name, routeHeaders)) {
                continue;
            }
            for (String value : entry.getValue()) {
                result.add(new Header(name, value));
            }
        }
        routeHeaders.forEach((name, value) -> result.add(new Header(name, value)));
        return result;
    }

    private static boolean overridden(String name, Map<String, String> routeHeaders) {
        for (String routeHeader : routeHeaders.keySet()) {
            if (routeHeader.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** The request body's length as the client framed it: exact, 0 for none, -1 for chunked. */
    static long contentLength(Headers client) {
        String length = client.getFirst("Content-Length");
        if (length != null) {
            try {
                return Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        String coding = client.getFirst("Transfer-Encoding");
        return coding != null && coding.toLowerCase(Locale.ROOT).contains("chunked") ? -1 : 0;
    }
}
