package relay.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ServerSocketFactory;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSocket;

/**
 * A one-connection upstream on a real loopback socket (IPv4 or IPv6, plain or TLS): it reads the
 * request head, hands it to the test, then runs the test's script on the raw connection.
 */
final class LoopbackUpstream implements AutoCloseable {
    @FunctionalInterface
    interface Script {
        void run(String requestHead, InputStream in, OutputStream out) throws Exception;
    }

    private final String address;
    private final ServerSocket server;
    private final CompletableFuture<String> requestHead = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final CompletableFuture<List<SNIServerName>> serverNames = new CompletableFuture<>();

    LoopbackUpstream(String address, Script script) throws IOException {
        this(ServerSocketFactory.getDefault(), address, script);
    }

    LoopbackUpstream(ServerSocketFactory factory, String address, Script script) throws IOException {
        this.address = address;
        this.server = factory.createServerSocket(0, 10, InetAddress.getByName(address));
        Thread.ofVirtual().start(() -> serve(script));
    }

    /** A base URI naming the server by its literal address, e.g. {@code http://[::1]:4711}. */
    URI uri(String scheme) {
        String host = address.contains(":") ? "[" + address + "]" : address;
        return URI.create(scheme + "://" + host + ":" + server.getLocalPort());
    }

    int port() {
        return server.getLocalPort();
    }

    String requestHead() throws Exception {
        return requestHead.get(10, TimeUnit.SECONDS);
    }

    /** The SNI names a TLS client asked for. */
    List<SNIServerName> serverNames() throws Exception {
        return serverNames.get(10, TimeUnit.SECONDS);
    }

    /** Waits for the script to end; rethrows what it threw. */
    void awaitScript() throws Exception {
        done.get(10, TimeUnit.SECONDS);
    }

    private void serve(Script script) {
        try (Socket socket = server.accept()) {
            InputStream in = socket.getInputStream();
            String head = readHead(in); // for TLS, the handshake happens in this first read
            if (socket instanceof SSLSocket tls && tls.getSession() instanceof ExtendedSSLSession session) {
                serverNames.complete(session.getRequestedServerNames());
            }
            requestHead.complete(head);
            script.run(head, in, socket.getOutputStream());
            done.complete(null);
        } catch (Throwable e) {
            requestHead.completeExceptionally(e);
            serverNames.completeExceptionally(e);
            done.completeExceptionally(e);
        }
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            byte[] bytes = head.toByteArray();
            int n = bytes.length;
            if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        throw new IOException("request head incomplete");
    }

    static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
