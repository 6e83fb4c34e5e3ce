package relay.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/** {@code [server]}: where relay listens and how much it accepts. */
public record ServerSettings(
        InetSocketAddress listen,
        int maxStreams,
        long maxBody,
        Duration drainTimeout,
        List<String> clientKeys) {

    public static final ServerSettings DEFAULTS = new ServerSettings(
            new InetSocketAddress("127.0.0.1", 8080), 10_000, 32L * 1024 * 1024, Duration.ofSeconds(30), List.of());

    public ServerSettings {
        clientKeys = List.copyOf(clientKeys);
    }

    /** Keys are secrets: never print them, not even in a debug dump of the record. */
    @Override
    public String toString() {
        return "ServerSettings[listen=" + listen + ", maxStreams=" + maxStreams + ", maxBody=" + maxBody
                + ", drainTimeout=" + drainTimeout + ", clientKeys=" + clientKeys.size() + " key(s)]";
    }
}
