package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.testing.ProcessRelay;
import relay.testing.TestUpstream;

/**
 * With max_streams set far beyond what the heap holds, relay runs out of memory; it must then end
 * with a non-zero code and a message, never linger as a process that accepts nothing (the JDK
 * server's dispatcher dies silently on an OutOfMemoryError otherwise).
 */
class OutOfMemoryTest {

    @Test
    void runningOutOfHeapEndsTheProcessWithAMessage(@TempDir Path dir) throws Exception {
        List<Socket> clients = new ArrayList<>();
        try (TestUpstream upstream = new TestUpstream(conn -> conn.sseHead().chunk("data: first\n\n").silentUntilClosed());
                ProcessRelay relay = ProcessRelay.start(dir, """
                        [server]
                        listen = "127.0.0.1:${PORT}"
                        max_streams = 1000000
                        [log]
                        level = "off"
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        """.formatted(upstream.uri()), "-Xmx24m")) {
            byte[] request = ("POST /v1/chat/completions HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 15\r\n\r\n{\"stream\":true}").getBytes(StandardCharsets.US_ASCII);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // about 60 KiB of heap per open stream: a 24 MiB heap gives out after a few hundred
            while (relay.process().isAlive() && System.nanoTime() < deadline && clients.size() < 5000) {
                try {
                    Socket client = new Socket();
                    client.connect(new InetSocketAddress("127.0.0.1", relay.address().getPort()), 2000);
                    client.getOutputStream().write(request);
                    clients.add(client);
                } catch (java.io.IOException e) {
                    break; // the process is going away
                }
            }
            assertTrue(relay.process().waitFor(30, TimeUnit.SECONDS), "relay kept running after " + clients.size()
                    + " streams on a 24 MiB heap:\n" + relay.output());
            assertNotEquals(0, relay.process().exitValue());
            assertTrue(relay.output().contains("OutOfMemoryError"), relay.output());
        } finally {
            for (Socket client : clients) {
                client.close();
            }
        }
    }
}
