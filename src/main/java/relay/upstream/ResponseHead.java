package relay.upstream;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Status line and header fields of an HTTP/1.x response, and the syntax rules for them ({@link HeadReader} reads them). */
record ResponseHead(int status, List<Header> headers) {
    static final int MAX_LINE = 16 * 1024;
    static final int MAX_HEAD = 256 * 1024;

    /** "HTTP/1.1 200 OK"; the reason phrase is optional and ignored (RFC 9112 §4). */
    static int parseStatus(String line) throws IOException {
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || !isDigit(line.charAt(7)) || line.charAt(8) != ' '
                || (line.length() > 12 && line.charAt(12) != ' ') || !isFieldText(line, 12, line.length())) {
            throw new IOException("malformed upstream status line");
        }
        if (!isDigit(line.charAt(9)) || !isDigit(line.charAt(10)) || !isDigit(line.charAt(11)) || line.charAt(9) == '0') {
            throw new IOException("malformed upstream status code");
        }
        return Integer.parseInt(line, 9, 12, 10);
    }

    /**
     * One "name: value" line, validated here so that nothing relay copies to its client can later make
     * the JDK's {@code Headers.add} throw, or smuggle a line break: the name must be a token, the value
     * field text (no control characters but HTAB; obs-text passes). A line starting with SP or HTAB is
     * obsolete line folding, which RFC 9112 §5.2 lets a proxy reject: relay does, rather than guess.
     */
    static Header parseField(String line) throws IOException {
        if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
            throw new IOException("upstream sent an obsolete folded header line");
        }
        int colon = line.indexOf(':');
        int nameEnd = colon;
        // RFC 9112 §5.1: a proxy removes whitespace between name and colon from a response
        while (nameEnd > 0 && isWhitespace(line.charAt(nameEnd - 1))) {
            nameEnd--;
        }
        if (nameEnd <= 0 || !isToken(line, 0, nameEnd)) {
            throw new IOException("malformed upstream header name");
        }
        if (!isFieldText(line, colon + 1, line.length())) {
            throw new IOException("control character in upstream header value");
        }
        int start = colon + 1;
        int end = line.length();
        while (start < end && isWhitespace(line.charAt(start))) {
            start++;
        }
        while (end > start && isWhitespace(line.charAt(end - 1))) {
            end--;
        }
        return new Header(line.substring(0, nameEnd), line.substring(start, end));
    }

    private static boolean isToken(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c)
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }

    /** SP, HTAB, visible ASCII and obs-text (0x80-0xFF): everything but CTLs and DEL. */
    private static boolean isFieldText(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    String value(String name) {
        for (Header header : headers) {
            if (header.is(name)) {
                return header.value();
            }
        }
        return null;
    }

    /** All values of a possibly repeated, comma-separated header, lower-cased and trimmed. */
    List<String> tokens(String name) {
        List<String> result = new ArrayList<>();
        for (Header header : headers) {
            if (header.is(name)) {
                for (String token : header.value().split(",")) {
                    String trimmed = token.trim().toLowerCase(java.util.Locale.ROOT);
                    if (!trimmed.isEmpty()) {
                        result.add(trimmed);
                    }
                }
            }
        }
        return result;
    }
}
