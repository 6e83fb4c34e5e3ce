package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.Optional;
import relay.stream.EndReason;
import relay.stream.WriteTimeoutException;
import relay.upstream.UpstreamResponse;

/**
 * Proxies any response that is not a relayed event stream: the upstream's status, end-to-end headers
 * and body, streamed as it arrives (flushed whenever the upstream pauses), never buffered whole.
 */
final class BodyProxy {
    private static final int COPY_BUFFER = 8192;

    private BodyProxy() {
    }

    static void proxy(HttpExchange exchange, UpstreamResponse response, ExchangeRecord record, boolean relayAnswersCors) {
        record.status = response.status();
        ResponseHeaders.copy(response.headers(), exchange.getResponseHeaders(), relayAnswersCors);
        if (exchange.getRequestMethod().equals("HEAD") || response.status() == 304) {
            // the JDK server announces no length for these: the upstream's is the one a GET would have
            response.header("Content-Length").ifPresent(v -> exchange.getResponseHeaders().set("Content-Length", v));
        }
        long length = bodyLength(exchange.getRequestMethod(), response);
        OutputStream out;
        try {
            exchange.sendResponseHeaders(response.status(), length);
            if (length == -1) {
                record.reason = EndReason.EOF;
                return;
            }
            out = exchange.getResponseBody();
        } catch (IOException e) {
            record.reason = EndReason.CLIENT_GONE;
            return;
        }
        byte[] buffer = new byte[COPY_BUFFER];
        InputStream in = response.body();
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                record.reason = EndReason.IDLE_TIMEOUT;
                ExchangeAbort.abort(exchange);
                return;
            } catch (IOException e) {
                record.reason = EndReason.UPSTREAM_ERROR;
                record.failed(e.getMessage());
                ExchangeAbort.abort(exchange);
                return;
            }
            if (n == -1) {
                record.reason = EndReason.EOF;
                return;
            }
            try {
                out.write(buffer, 0, n);
                record.bytes += n;
                if (in.available() == 0) {
                    out.flush(); // the upstream paused: pass on what we have
                }
            } catch (IOException e) {
                record.reason = e instanceof WriteTimeoutException ? EndReason.WRITE_TIMEOUT : EndReason.CLIENT_GONE;
                return;
            }
        }
    }

    /** The length to announce: exact when the upstream gave one, -1 for no body, 0 for chunked. */
    private static long bodyLength(String method, UpstreamResponse response) {
        int status = response.status();
        if (method.equals("HEAD") || status == 204 || status == 304 || status < 200) {
            return -1;
        }
        Optional<String> length = response.header("Content-Length");
        if (length.isPresent() && response.header("Transfer-Encoding").isEmpty()) {
            try {
                long n = Long.parseLong(length.get().trim());
                return n == 0 ? -1 : n;
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }
}
