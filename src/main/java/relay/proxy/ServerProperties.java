package relay.proxy;

import relay.config.ServerSettings;

/**
 * The JDK server's settings are system properties read once, when its classes load
 * ({@code sun.net.httpserver.ServerConfig}): they must be set before the first server is created,
 * and one JVM has one set of them. A property already given on the command line ({@code -D}) wins.
 */
public final class ServerProperties {
    private ServerProperties() {
    }

    public static void apply(ServerSettings server) {
        // Without it small SSE writes wait for Nagle's algorithm: tens of ms per event.
        setIfAbsent("sun.net.httpserver.nodelay", "true");
        // Time from the first byte of a request until its body has been read (slowloris bound), seconds.
        setIfAbsent("sun.net.httpserver.maxReqTime", Long.toString(Math.max(1, server.requestTimeout().toSeconds())));
        setIfAbsent("sun.net.httpserver.maxReqHeaders", Integer.toString(server.maxHeaders()));
        setIfAbsent("sun.net.httpserver.maxReqHeaderSize", Integer.toString(server.maxHeaderBytes()));
        // The JDK keeps only 200 idle keep-alive connections and closes the rest the moment their
        // exchange ends; a client that already picked such a connection for its next POST sees EOF,
        // and POST is not retried. Every connection that carried a stream may stay idle, within the
        // server's idle interval.
        setIfAbsent("sun.net.httpserver.maxIdleConnections", Integer.toString(server.maxStreams()));
    }

    private static void setIfAbsent(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }
}
