package relay.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the final response head off the connection, skipping interim (1xx) heads, a byte at a time so
 * nothing after the head is consumed. All its progress lives in fields: a read that times out consumes
 * no byte and leaves the reader where it was, so waiting in slices ({@link UpstreamCall#awaitResponse})
 * loses nothing. Any other failure is final and is thrown again by every later call.
 */
final class HeadReader {
    /** 103 Early Hints may come more than once; more than this is an upstream that never answers. */
    static final int MAX_INTERIM = 10;

    private final InputStream in;
    private final StringBuilder line = new StringBuilder(128);
    private int status = -1; // of the head being read; -1 until its status line is complete
    private List<Header> headers = new ArrayList<>();
    private int interim;
    private int total; // bytes of all heads so far, interim ones included
    private boolean http11; // of the head being read
    private ResponseHead result;
    private IOException failure;

    HeadReader(InputStream in) {
        this.in = in;
    }

    /** Bytes of the response read so far: 0 when the upstream sent nothing at all. */
    int bytesRead() {
        return total;
    }

    /** The final head said HTTP/1.1: its connection persists unless it says otherwise. */
    boolean http11() {
        return result != null && http11;
    }

    ResponseHead next() throws IOException {
        if (failure != null) {
            throw failure;
        }
        try {
            while (result == null) {
                accept(nextLine());
            }
            return result;
        } catch (SocketTimeoutException e) {
            throw e; // state intact: the next call continues
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    private void accept(String complete) throws IOException {
        if (status == -1) {
            status = ResponseHead.parseStatus(complete);
            http11 = complete.startsWith("HTTP/1.1 ");
        } else if (!complete.isEmpty()) {
            headers.add(ResponseHead.parseField(complete));
        } else if (status >= 200 || status == 101) {
            result = new ResponseHead(status, headers);
        } else if (++interim > MAX_INTERIM) {
            throw new IOException("upstream sent too many interim responses");
        } else {
            status = -1; // interim heads are not forwarded
            headers = new ArrayList<>();
        }
    }

    /** One CRLF- or LF-terminated ISO-8859-1 line without its terminator; a bare CR stays for the parser to refuse. */
    private String nextLine() throws IOException {
        int b;
        while ((b = in.read()) != -1) {
            if (++total > ResponseHead.MAX_HEAD) {
                throw new IOException("upstream response headers exceed " + ResponseHead.MAX_HEAD + " bytes");
            }
            if (b == '\n') {
                int end = line.length();
                String complete = line.substring(0, end > 0 && line.charAt(end - 1) == '\r' ? end - 1 : end);
                line.setLength(0);
                return complete;
            }
            if (line.length() >= ResponseHead.MAX_LINE) {
                throw new IOException("upstream header line exceeds " + ResponseHead.MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
        throw new EOFException(total == 0 ? "upstream closed the connection before sending a response"
                : "upstream closed the connection inside the response headers");
    }
}
