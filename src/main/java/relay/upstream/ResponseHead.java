package relay.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Status line and header fields of an HTTP/1.x response, read from the connection byte by byte. */
record ResponseHead(int status, List<Header> headers) {
    static final int MAX_LINE = 16 * 1024;
    static final int MAX_HEAD = 256 * 1024;

    static ResponseHead read(InputStream in) throws IOException {
        HeadLineReader lines = new HeadLineReader(in);
        String statusLine = lines.next();
        if (statusLine == null) {
            throw new EOFException("upstream closed the connection before sending a response");
        }
        int status = parseStatus(statusLine);
        List<Header> headers = new ArrayList<>();
        String line;
        while ((line = lines.next()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed upstream header line");
            }
            headers.add(new Header(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
        }
        if (line == null) {
            throw new EOFException("upstream closed the connection inside the response headers");
        }
        return new ResponseHead(status, headers);
    }

    private static int parseStatus(String line) throws IOException {
        // "HTTP/1.1 200 OK"; the reason phrase is optional
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
            throw new IOException("malformed upstream status line");
        }
        try {
            int status = Integer.parseInt(line.substring(9, 12));
            if (status < 100 || status > 999) {
                throw new IOException("malformed upstream status code");
            }
            return status;
        } catch (NumberFormatException e) {
            throw new IOException("malformed upstream status code");
        }
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

    /** Reads CRLF- or LF-terminated ISO-8859-1 lines, bounded so a hostile upstream cannot exhaust memory. */
    private static final class HeadLineReader {
        private final InputStream in;
        private final StringBuilder line = new StringBuilder(128);
        private int total;

        HeadLineReader(InputStream in) {
            this.in = in;
        }

        String next() throws IOException {
            line.setLength(0);
            int b;
            while ((b = in.read()) != -1) {
                if (++total > MAX_HEAD) {
                    throw new IOException("upstream response headers exceed " + MAX_HEAD + " bytes");
                }
                if (b == '\n') {
                    int end = line.length();
                    if (end > 0 && line.charAt(end - 1) == '\r') {
                        line.setLength(end - 1);
                    }
                    return line.toString();
                }
                if (line.length() >= MAX_LINE) {
                    throw new IOException("upstream header line exceeds " + MAX_LINE + " bytes");
                }
                line.append((char) b);
            }
            if (line.length() == 0) {
                return null;
            }
            throw new EOFException("upstream closed the connection inside a header line");
        }
    }
}
