package relay.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * {@code [server]}: where relay listens and how much it accepts. {@code requestTimeout} bounds the
 * time to receive a request's headers and body (a client trickling bytes cannot hold a slot);
 * {@code maxHeaders} and {@code maxHeaderBytes} bound a request's header section.
 */
public record ServerSettings(
        InetSocketAddress listen,
        int maxStreams,
        long maxBody,
        Duration drainTimeout,
        List<ClientKey> clientKeys,
        Duration requestTimeout,
        int maxHeaders,
        int maxHeaderBytes) {

    public static final ServerSettings DEFAULTS = new ServerSettings(
            new InetSocketAddress("127.0.0.1", 8080), 10_000, 32L * 1024 * 1024, Duration.ofSeconds(30), List.of(),
            Duration.ofSeconds(60), 100, 64 * 1024);

    public ServerSettings {
        clientKeys = List.copyOf(clientKeys);
    }

    /** The same settings with other client keys, named key-1, key-2, … (tests and tools build configs without a file). */
    public ServerSettings withClientKeys(List<String> keys) {
        List<ClientKey> named = new java.util.ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            named.add(new ClientKey(keys.get(i), ClientKeysReader.defaultName(i), ClientKey.NO_LIMIT));
        }
        return withKeys(named);
    }

    /** The same settings with other client keys. */
    public ServerSettings withKeys(List<ClientKey> keys) {
        return new ServerSettings(listen, maxStreams, maxBody, drainTimeout, keys, requestTimeout, maxHeaders,
                maxHeaderBytes);
    }

    /** The keys' secret values, for matching and for scrubbing them from messages. */
    public List<String> keyValues() {
        return clientKeys.stream().map(ClientKey::key).toList();
    }

    /** The same settings on another address. */
    public ServerSettings withListen(InetSocketAddress address) {
        return new ServerSettings(address, maxStreams, maxBody, drainTimeout, clientKeys, requestTimeout, maxHeaders,
                maxHeaderBytes);
    }

    /** Keys are secrets: never print them, not even in a debug dump of the record. */
    @Override
    public String toString() {
        return "ServerSettings[listen=" + listen + ", maxStreams=" + maxStreams + ", maxBody=" + maxBody
                + ", drainTimeout=" + drainTimeout + ", clientKeys=" + clientKeys.size() + " key(s)"
                + ", requestTimeout=" + requestTimeout + ", maxHeaders=" + maxHeaders
                + ", maxHeaderBytes=" + maxHeaderBytes + "]";
    }
}
