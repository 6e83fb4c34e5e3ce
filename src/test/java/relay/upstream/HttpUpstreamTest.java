package relay.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import relay.config.UpstreamSettings;

/** The upstream client against a scripted loopback server: what goes on the wire, what comes back. */
class HttpUpstreamTest {
    static final UpstreamSettings SETTINGS = new UpstreamSettings(Duration.ofSeconds(5), Duration.ofSeconds(15));
    static final Duration IDLE = Duration.ofSeconds(10);
    static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    static HttpUpstream upstream(URI base, Duration idle) {
        return new HttpUpstream(base, SETTINGS, idle, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    static UpstreamRequest get() {
        return new UpstreamRequest("GET", "/v1/x", List.of(), InputStream.nullInputStream(), 0);
    }

    static String bodyOf(UpstreamResponse response) throws IOException {
        return new String(response.body().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void sendsTheIpv4HostWithItsPort() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) -> LoopbackUpstream.write(out, OK))) {
            try (UpstreamResponse response = upstream(server.uri("http"), IDLE).send(get())) {
                assertEquals(200, response.status());
                assertEquals("ok", bodyOf(response));
            }
            assertTrue(server.requestHead().startsWith("GET /v1/x HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\n"),
                    server.requestHead());
        }
    }

    @Test
    void connectsToIpv6LoopbackAndBracketsItsHostOnce() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream("::1", (head, in, out) -> LoopbackUpstream.write(out, OK))) {
            try (UpstreamResponse response = upstream(server.uri("http"), IDLE).send(get())) {
                assertEquals("ok", bodyOf(response));
            }
            assertTrue(server.requestHead().contains("\r\nHost: [::1]:" + server.port() + "\r\n"), server.requestHead());
        }
    }
}
