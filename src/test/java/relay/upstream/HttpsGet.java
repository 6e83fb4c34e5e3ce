package relay.upstream;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLSocketFactory;
import relay.config.UpstreamSettings;

/** What the TLS tests share: an upstream that answers {@code 200 ok}, and one GET to it through relay's client. */
final class HttpsGet {
    /** Shared by every upstream of the TLS tests; a daemon thread, like the one a server owns. */
    static final ScheduledExecutorService WRITE_TIMER = HttpUpstream.newWriteTimer();
    static final UpstreamSettings SETTINGS = new UpstreamSettings(Duration.ofSeconds(5), Duration.ofSeconds(15));
    static final LoopbackUpstream.Script OK = (head, in, out) ->
            LoopbackUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

    private HttpsGet() {
    }

    /** Status and body of {@code GET /x} on {@code base}, the TLS client being {@code tls}. */
    static String get(URI base, SSLSocketFactory tls) throws IOException {
        HttpUpstream upstream = new HttpUpstream(base, SETTINGS, Duration.ofSeconds(5), tls, WRITE_TIMER);
        try (UpstreamResponse response = upstream.send(new UpstreamRequest("GET", "/x", List.of(), null, 0))) {
            return response.status() + " " + new String(response.body().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
