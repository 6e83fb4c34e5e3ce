package relay.proxy;

/**
 * The JDK server's settings are system properties read once, when its classes load
 * ({@code sun.net.httpserver.ServerConfig}): they must be set before the first server is created.
 */
public final class ServerProperties {
    private ServerProperties() {
    }

    public static void apply() {
        // Without it small SSE writes wait for Nagle's algorithm: tens of ms per event.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }
}
