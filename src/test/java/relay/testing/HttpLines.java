package relay.testing;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** HTTP/1.1 head parsing shared by the test client and the test upstream (each side of a raw socket). */
public final class HttpLines {
    private HttpLines() {
    }

    /** One line without its CR LF; {@code eofMessage} explains an end of stream inside it. */
    public static String readLine(InputStream in, String eofMessage) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b == -1) {
                throw new EOFException(eofMessage);
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** Header lines up to the empty line, names lower-cased, repeated names kept in order. */
    static void readHeaders(InputStream in, String eofMessage, Map<String, List<String>> headers) throws IOException {
        String line;
        while (!(line = readLine(in, eofMessage)).isEmpty()) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
    }
}
