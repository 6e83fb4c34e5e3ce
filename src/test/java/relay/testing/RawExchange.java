package relay.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** One request written as raw bytes (malformed ones too) and whatever comes back, for limit and security tests. */
public final class RawExchange {
    private RawExchange() {
    }

    /** A response as received on a raw socket; status -1 if the connection ended before a status line. */
    public record Raw(int status, Map<String, String> headers, String body, String text) {
    }

    /** Sends {@code request} (its writing may fail if relay closes early) and reads the answer. */
    public static Raw send(InetSocketAddress relay, String request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(relay, 5000);
            socket.setSoTimeout(10_000);
            try {
                socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
            } catch (IOException e) {
                // relay stopped reading and closed: see what, if anything, it answered
            }
            return readResponse(socket.getInputStream());
        }
    }

    /** Status line, headers, and a Content-Length (or close-delimited) body; a reset ends what was read. */
    public static Raw readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) != -1) {
                received.write(buffer, 0, n);
                String sofar = received.toString(StandardCharsets.ISO_8859_1);
                int headEnd = sofar.indexOf("\r\n\r\n");
                if (headEnd >= 0) {
                    var m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(sofar);
                    if (m.find() && sofar.length() - headEnd - 4 >= Integer.parseInt(m.group(1))) {
                        break;
                    }
                    if (sofar.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")
                            && sofar.endsWith("\r\n0\r\n\r\n")) {
                        break;
                    }
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("relay neither answered nor closed within 10 s: "
                    + received.toString(StandardCharsets.ISO_8859_1), e);
        } catch (IOException e) {
            // reset by relay: whatever arrived is the answer
        }
        String text = received.toString(StandardCharsets.UTF_8);
        if (!text.startsWith("HTTP/1.1 ")) {
            assertFalse(text.contains("HTTP/"), "garbled response: " + text);
            return new Raw(-1, Map.of(), "", text);
        }
        int headEnd = text.indexOf("\r\n\r\n");
        String head = headEnd < 0 ? text : text.substring(0, headEnd);
        String body = headEnd < 0 ? "" : text.substring(headEnd + 4);
        String[] lines = head.split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        return new Raw(Integer.parseInt(lines[0].split(" ")[1]), headers, body, text);
    }
}
