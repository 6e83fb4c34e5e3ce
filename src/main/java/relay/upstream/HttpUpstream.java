package relay.upstream;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;
import relay.config.UpstreamSettings;

/**
 * A minimal HTTP/1.1 client for one upstream base URI: one connection per exchange, the body streamed
 * both ways with no buffering beyond one socket read, and the connection closed when the response is
 * closed (which cancels a paid upstream request). See docs/design.md for why relay has its own.
 */
public final class HttpUpstream implements Upstream {
    private static final int WRITE_BUFFER = 8192;
    private static final List<String> NOT_FORWARDED =
            List.of("host", "content-length", "transfer-encoding", "connection", "expect");

    private final UpstreamAddress address;
    private final String basePath;
    private final String hostHeader;
    private final UpstreamSocketOpener opener;

    public HttpUpstream(URI base, UpstreamSettings settings, Duration idleTimeout) {
        this(base, settings, idleTimeout, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** {@code tls} decides which certificates are trusted: tests pass one trusting their own. */
    HttpUpstream(URI base, UpstreamSettings settings, Duration idleTimeout, SSLSocketFactory tls) {
        this.address = UpstreamAddress.of(base);
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        this.hostHeader = address.authority();
        this.opener = new UpstreamSocketOpener(settings, idleTimeout, tls);
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) throws IOException {
        UpstreamCall call = call(request);
        try {
            return call.response();
        } catch (IOException | RuntimeException e) {
            call.close();
            throw e;
        }
    }

    @Override
    public UpstreamCall call(UpstreamRequest request) throws IOException {
        Socket socket;
        try {
            socket = opener.open(address);
        } catch (IOException e) {
            throw new UpstreamConnectException(hostHeader, e);
        }
        try {
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), WRITE_BUFFER);
            out.write(head(request));
            writeBody(request, out);
            out.flush();
            return new HttpCall(socket, request.method());
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private byte[] head(UpstreamRequest request) {
        StringBuilder head = new StringBuilder(512);
        head.append(request.method()).append(' ').append(basePath).append(request.target()).append(" HTTP/1.1\r\n");
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
        head.append("Connection: close\r\n\r\n");
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
