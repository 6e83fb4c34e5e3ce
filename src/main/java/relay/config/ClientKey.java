package relay.config;

/**
 * One of {@code server.client_keys}: the secret a client presents, the {@code name} logs and metrics
 * show instead of it, and how many exchanges it may have in flight at once ({@code maxStreams}; 0 =
 * no limit of its own, only {@code server.max_streams}).
 */
public record ClientKey(String key, String name, int maxStreams) {
    public static final int NO_LIMIT = 0;

    /** The key's value is a secret: only its name is printable. */
    @Override
    public String toString() {
        return "ClientKey[name=" + name + ", maxStreams=" + maxStreams + "]";
    }
}
