package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import relay.testing.RawExchange;
import relay.testing.RunningRelay;
import relay.testing.TestConfigs;

/**
 * A client that keeps many connections alive (a load balancer, a pooled HTTP client) can send its
 * next request on any of them. The JDK server alone keeps 200 idle connections and closes the rest
 * as their exchange ends, so a client that reuses one of those sees EOF on a POST it cannot retry.
 */
class KeepAliveTest {
    /** More than the JDK's default of 200, fewer than the smallest max_streams the suite uses. */
    private static final int CONNECTIONS = 250;
    private static final String REQUEST = "GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n";

    @Test
    void everyIdleKeptAliveConnectionServesTheNextRequest() throws IOException {
        try (RunningRelay relay = new RunningRelay(TestConfigs.forUpstream(URI.create("http://127.0.0.1:9"), Duration.ofSeconds(1)))) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    Socket socket = new Socket();
                    sockets.add(socket);
                    socket.connect(relay.address(), 5000);
                    socket.setSoTimeout(10_000);
                    assertEquals(200, exchange(socket), "first request on connection " + i);
                }
                // every connection is idle now; each must still carry a request
                int served = 0;
                for (Socket socket : sockets) {
                    if (exchange(socket) == 200) {
                        served++;
                    }
                }
                assertEquals(CONNECTIONS, served, "kept-alive connections that answered their second request");
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }

    private static int exchange(Socket socket) throws IOException {
        try {
            socket.getOutputStream().write(REQUEST.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
        } catch (IOException e) {
            return -1;
        }
        return RawExchange.readResponse(socket.getInputStream()).status();
    }
}
