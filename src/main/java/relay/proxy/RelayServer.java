package relay.proxy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import relay.config.Config;
import relay.config.Route;
import relay.config.RouteTarget;
import relay.demo.DemoUpstream;
import relay.ops.AccessLog;
import relay.stream.NanoClock;
import relay.stream.TrackedThreads;
import relay.stream.WriteWatchdog;
import relay.upstream.HttpUpstream;
import relay.upstream.Upstream;

/** The listening relay: the JDK's HttpServer with one virtual thread per exchange. */
public final class RelayServer implements AutoCloseable {
    private static final int BACKLOG = 4096;

    private final HttpServer server;
    private final ExecutorService exchanges;
    private final WriteWatchdog watchdog;
    private final TrackedThreads exchangeThreads;
    private final TrackedThreads streamThreads;

    private RelayServer(HttpServer server, ExecutorService exchanges, WriteWatchdog watchdog,
            TrackedThreads exchangeThreads, TrackedThreads streamThreads) {
        this.server = server;
        this.exchanges = exchanges;
        this.watchdog = watchdog;
        this.exchangeThreads = exchangeThreads;
        this.streamThreads = streamThreads;
    }

    /** Exchange handler threads alive now: one per request in progress. */
    public int liveExchangeThreads() {
        return exchangeThreads.live();
    }

    /** Scanner and pinger threads alive now: two per active stream at most. */
    public int liveStreamThreads() {
        return streamThreads.live();
    }

    /**
     * Binds and starts serving. {@link ServerProperties#apply} must have run before the first
     * HttpServer class loaded (the JDK reads its settings once).
     */
    public static RelayServer start(Config config, AccessLog accessLog, NanoClock clock) throws IOException {
        HttpServer server = HttpServer.create(config.server().listen(), BACKLOG);
        TrackedThreads exchangeThreads = new TrackedThreads("relay-exchange-");
        TrackedThreads streamThreads = new TrackedThreads("relay-stream-");
        ExecutorService exchanges = Executors.newThreadPerTaskExecutor(exchangeThreads);
        WriteWatchdog watchdog = new WriteWatchdog(config.ping().writeTimeout(), clock);
        RouteTable routes = new RouteTable(bind(config));
        ProxyHandler proxy = new ProxyHandler(config, routes, watchdog, accessLog, clock, streamThreads);
        server.createContext("/", new OpsHandler(proxy));
        server.setExecutor(exchanges);
        server.start();
        return new RelayServer(server, exchanges, watchdog, exchangeThreads, streamThreads);
    }

    private static List<BoundRoute> bind(Config config) {
        List<BoundRoute> bound = new ArrayList<>();
        for (Route route : config.routes()) {
            Upstream upstream = switch (route.target()) {
                case RouteTarget.Demo demo -> new DemoUpstream(config.demo());
                case RouteTarget.Http http -> new HttpUpstream(http.base(), config.upstream(), config.stream().idleTimeout());
            };
            bound.add(new BoundRoute(route, upstream));
        }
        return bound;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops accepting, ends every exchange thread, and waits for them. */
    @Override
    public void close() {
        server.stop(0);
        exchanges.shutdownNow();
        try {
            exchanges.close();
            watchdog.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
