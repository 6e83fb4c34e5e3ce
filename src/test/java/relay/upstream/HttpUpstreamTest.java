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
    /** Shared by every upstream in this class; a daemon thread, like the one a server owns. */
    private static final java.util.concurrent.ScheduledExecutorService WRITE_TIMER = HttpUpstream.newWriteTimer();

    static final UpstreamSettings SETTINGS = new UpstreamSettings(Duration.ofSeconds(5), Duration.ofSeconds(15));
    static final Duration IDLE = Duration.ofSeconds(10);
    static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    static HttpUpstream upstream(URI base, Duration idle) {
        return new HttpUpstream(base, SETTINGS, idle, (SSLSocketFactory) SSLSocketFactory.getDefault(), WRITE_TIMER);
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

    /** Relay answers 502 for an IOException; a RuntimeException would be a closed connection instead. */
    @Test
    void aBareCrInAnUpstreamHeaderIsAnIOException() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) ->
                LoopbackUpstream.write(out, "HTTP/1.1 200 OK\r\nX-Evil: a\rSet-Cookie: b\r\nContent-Length: 0\r\n\r\n"))) {
            org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> upstream(server.uri("http"), IDLE).send(get()));
        }
    }

    @Test
    void waitingForeverIsAllowed() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) -> LoopbackUpstream.write(out, OK));
                UpstreamCall call = upstream(server.uri("http"), IDLE).call(get())) {
            assertTrue(call.awaitResponse(Duration.ofSeconds(Long.MAX_VALUE)));
            assertEquals("ok", bodyOf(call.response()));
        }
    }

    /** {@code length} zero bytes, made as they are read: a request body far larger than socket buffers. */
    static InputStream zeros(long length) {
        return new InputStream() {
            private long left = length;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] buffer, int offset, int n) {
                if (left == 0) {
                    return -1;
                }
                int count = (int) Math.min(n, left);
                java.util.Arrays.fill(buffer, offset, offset + count, (byte) 0);
                left -= count;
                return count;
            }
        };
    }

    static UpstreamRequest post(long length) {
        return new UpstreamRequest("POST", "/upload", List.of(), zeros(length), length);
    }

    /** The upstream refuses the body at once and closes: relay forwards its answer instead of a 502. */
    @Test
    void anEarlyAnswerWhileTheBodyIsStillBeingSentIsTheResponse() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) -> LoopbackUpstream.write(out,
                "HTTP/1.1 413 Content Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large"));
                UpstreamResponse response = upstream(server.uri("http"), IDLE).send(post(64L << 20))) {
            assertEquals(413, response.status());
            assertEquals("too large", bodyOf(response));
        }
    }

    /** The upstream accepts the connection and never reads the body: the write gives up after the idle timeout. */
    @Test
    void aWriteToAnUpstreamThatStopsReadingTimesOut() throws Exception {
        java.util.concurrent.CountDownLatch testDone = new java.util.concurrent.CountDownLatch(1);
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) -> testDone.await());
                java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.Future<UpstreamResponse> sent =
                    sender.submit(() -> upstream(server.uri("http"), Duration.ofMillis(300)).send(post(64L << 20)));
            try {
                java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.ExecutionException.class, () -> sent.get(10, java.util.concurrent.TimeUnit.SECONDS));
                org.junit.jupiter.api.Assertions.assertInstanceOf(java.net.SocketTimeoutException.class, e.getCause());
            } finally {
                testDone.countDown(); // before the fix the send blocks: closing the upstream releases it
            }
        }
    }
}
