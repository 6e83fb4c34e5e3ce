package relay.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import relay.config.Config;
import relay.ops.AccessLog;
import relay.proxy.RelayServer;
import relay.proxy.ServerProperties;
import relay.time.NanoClock;
import relay.watch.ExchangeSockets;
import relay.watch.JdkExchangeSockets;

/** relay listening on an ephemeral loopback port, with its log captured for assertions. */
public final class RunningRelay implements AutoCloseable {
    private final RelayServer server;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    public RunningRelay(Config config) throws IOException {
        this(config, JdkExchangeSockets::locate);
    }

    /** relay reaching client sockets through {@code sockets} (a test simulates internals out of reach). */
    public RunningRelay(Config config, ExchangeSockets.Locator sockets) throws IOException {
        ServerProperties.apply(config.server());
        this.server = RelayServer.start(config,
                new AccessLog(new PrintStream(log, true, StandardCharsets.UTF_8), InstantSource.system()), NanoClock.SYSTEM,
                sockets);
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public TestClient client() throws IOException {
        return TestClient.connect(address(), Duration.ofSeconds(20));
    }

    public RelayServer server() {
        return server;
    }

    public synchronized String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    /** Waits until no exchange or stream thread is alive; false if some still are after {@code timeout}. */
    public boolean awaitNoThreads(Duration timeout) throws InterruptedException {
        return Await.until(() -> server.liveExchangeThreads() == 0 && server.liveStreamThreads() == 0, timeout);
    }

    /** Waits until no client connection is watched for a departure. */
    public boolean awaitNoWatches(Duration timeout) throws InterruptedException {
        return Await.until(() -> server.watchedClients() == 0, timeout);
    }

    /** Waits for the access log to contain {@code text} (it is written when an exchange ends). */
    public boolean awaitLog(String text, Duration timeout) throws InterruptedException {
        return Await.until(() -> log().contains(text), timeout);
    }

    @Override
    public void close() {
        server.close();
    }
}
