package relay.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes one request to an upstream: its head, then the client's body as it arrives (chunked when its
 * length is unknown). A failure to read the client's body is a {@link RequestBodyException}; any other
 * IOException is the upstream connection's.
 */
final class RequestWriter {
    static final int WRITE_BUFFER = 8192;
    private static final List<String> NOT_FORWARDED =
            List.of("host", "content-length", "transfer-encoding", "connection", "expect");

    private final String basePath;
    private final String hostHeader;
    private final boolean keepAlive;

    /** {@code keepAlive} false asks the upstream to close the connection after the response. */
    RequestWriter(String basePath, String hostHeader, boolean keepAlive) {
        this.basePath = basePath;
        this.hostHeader = hostHeader;
        this.keepAlive = keepAlive;
    }

    void write(UpstreamRequest request, OutputStream out) throws IOException {
        out.write(head(request));
        writeBody(request, out);
        out.flush();
    }

    private byte[] head(UpstreamRequest request) {
        StringBuilder head = new StringBuilder(512);
        head.append(request.method()).append(' ').append(basePath);
        if (basePath.isEmpty() && !request.target().startsWith("/")) {
            head.append('/'); // a stripped prefix left nothing of the path: the origin's root
        }
        head.append(request.target()).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(hostHeader).append("\r\n");
        for (Header header : request.headers()) {
            if (!NOT_FORWARDED.contains(header.name().toLowerCase(java.util.Locale.ROOT))) {
                head.append(header.name()).append(": ").append(header.value()).append("\r\n");
            }
        }
        if (request.contentLength() > 0) {
            head.append("Content-Length: ").append(request.contentLength()).append("\r\n");
        } else if (request.contentLength() < 0) {
            head.append("Transfer-Encoding: chunked\r\n");
        } else if (methodMayHaveBody(request.method())) {
            head.append("Content-Length: 0\r\n");
        }
        head.append(keepAlive ? "\r\n" : "Connection: close\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static boolean methodMayHaveBody(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    private static void writeBody(UpstreamRequest request, OutputStream out) throws IOException {
        if (request.contentLength() == 0) {
            return;
        }
        boolean chunked = request.contentLength() < 0;
        byte[] buffer = new byte[WRITE_BUFFER];
        long remaining = request.contentLength();
        while (chunked || remaining > 0) {
            int n = readClient(request.body(), buffer,
                    chunked ? buffer.length : (int) Math.min(buffer.length, remaining));
            if (n == -1) {
                if (!chunked) {
                    throw new RequestBodyException(new java.io.EOFException("request body shorter than Content-Length"));
                }
                break;
            }
            if (chunked) {
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(buffer, 0, n);
                out.write('\r');
                out.write('\n');
            } else {
                out.write(buffer, 0, n);
                remaining -= n;
            }
        }
        if (chunked) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private static int readClient(InputStream body, byte[] buffer, int length) throws RequestBodyException {
        try {
            return body.read(buffer, 0, length);
        } catch (IOException e) {
            throw new RequestBodyException(e);
        }
    }
}
