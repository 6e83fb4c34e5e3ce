package relay.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The test upstream's own promises, which the e2e tests' "reached / never reached the upstream" rest on. */
class TestUpstreamTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** What relay does when it cuts a request: connect, send part of it, close, maybe before any accept(). */
    private static void connectSendAndClose(TestUpstream upstream, String bytes) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", upstream.uri().getPort()), 5000);
            OutputStream out = socket.getOutputStream();
            out.write(bytes.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    @Test
    void aConnectionClosedRightAfterConnectingIsCountedAndSeenClosed() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200, "Content-Length: 0"))) {
            connectSendAndClose(upstream, "POST /v1/x HTTP/1.1\r\nHost: u\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
            // straight away, with no wait of the test's own: the barrier takes it out of the backlog first
            assertEquals(1, upstream.accepted());
            TestUpstream.Conn cut = upstream.nextAccepted(WAIT);
            assertTrue(cut.awaitClosed(WAIT));
            assertFalse(cut.requestComplete(), "a cut request was taken for a complete one");
            assertTrue(upstream.awaitAllClosed(WAIT));
            assertThrows(AssertionError.class, () -> upstream.nextConnection(Duration.ZERO),
                    "an incomplete request was offered as a complete one");
        }
    }

    @Test
    void onlyConnectionRejectsASentinelThatWasNotTheFirst() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200, "Content-Length: 0"))) {
            connectSendAndClose(upstream, "GET /v1/early HTTP/1.1\r\nHost: u\r\n\r\n");
            connectSendAndClose(upstream, "GET /v1/sentinel HTTP/1.1\r\nHost: u\r\n\r\n");
            AssertionError error = assertThrows(AssertionError.class, () -> upstream.onlyConnection(WAIT));
            assertTrue(error.getMessage().contains("relay opened 2"), error.getMessage());
        }
    }

    @Test
    void onlyConnectionReturnsTheOneRequest() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200, "Content-Length: 0"))) {
            connectSendAndClose(upstream, "GET /v1/sentinel HTTP/1.1\r\nHost: u\r\n\r\n");
            assertEquals("/v1/sentinel", upstream.onlyConnection(WAIT).target);
        }
    }

    @Test
    void aScriptsFailedAssertionFailsTheTestOnClose() throws Exception {
        TestUpstream upstream = new TestUpstream(conn -> assertEquals("POST", conn.method, "the script's own check"));
        connectSendAndClose(upstream, "GET /v1/x HTTP/1.1\r\nHost: u\r\n\r\n");
        assertTrue(upstream.nextAccepted(WAIT).awaitClosed(WAIT));
        AssertionError error = assertThrows(AssertionError.class, upstream::close);
        assertTrue(error.getCause().getMessage().contains("the script's own check"), error.toString());
    }
}
