package relay.proxy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.time.Duration;
import relay.config.Config;
import relay.config.Route;
import relay.config.RouteUpstream;
import relay.config.UpstreamSettings;
import relay.failover.FailoverCall;
import relay.failover.UpstreamHealth;
import relay.config.RouteTarget;
import relay.demo.DemoUpstream;
import relay.ops.AccessLog;
import relay.ops.Metrics;
import relay.time.NanoClock;
import relay.upstream.HttpUpstream;
import relay.upstream.Upstream;
import relay.upstream.UpstreamTls;
import relay.watch.ClientWatcher;
import relay.watch.ExchangeSockets;
import relay.watch.JdkExchangeSockets;

/** The listening relay: the JDK's HttpServer with one virtual thread per exchange. */
public final class RelayServer implements AutoCloseable {
    private static final int BACKLOG = 4096;

    private final HttpServer server;
    private final ExecutorService exchanges;
    private final WriteWatchdog watchdog;
    private final ScheduledExecutorService upstreamWriteTimer;
    private final TrackedThreads exchangeThreads;
    private final TrackedThreads streamThreads;
    private final ClientWatcher watcher;
    private final RouteTable routes;

    private final AtomicBoolean draining;
    private final Admission admission;

    private RelayServer(HttpServer server, ExecutorService exchanges, WriteWatchdog watchdog,
            ScheduledExecutorService upstreamWriteTimer, TrackedThreads exchangeThreads, TrackedThreads streamThreads,
            AtomicBoolean draining, Admission admission, ClientWatcher watcher, RouteTable routes) {
        this.watcher = watcher;
        this.routes = routes;
        this.upstreamWriteTimer = upstreamWriteTimer;
        this.draining = draining;
        this.admission = admission;
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

    /** Client connections watched for a departure now (one per stream, or long non-stream call). */
    public int watchedClients() {
        return watcher.watching();
    }

    /** Whether a departed client is noticed at once (false: the JDK's internals were out of reach). */
    public boolean watchesClients() {
        return watcher.active();
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
        return start(config, accessLog, clock, JdkExchangeSockets::locate);
    }

    /** As {@link #start(Config, AccessLog, NanoClock)}, reaching client sockets through {@code sockets}. */
    public static RelayServer start(Config config, AccessLog accessLog, NanoClock clock, ExchangeSockets.Locator sockets)
            throws IOException {
        HttpServer server = HttpServer.create(config.server().listen(), BACKLOG);
        TrackedThreads exchangeThreads = new TrackedThreads("relay-exchange-");
        TrackedThreads streamThreads = new TrackedThreads("relay-stream-");
        ExecutorService exchanges = Executors.newThreadPerTaskExecutor(exchangeThreads);
        WriteWatchdog watchdog = new WriteWatchdog(config.ping().writeTimeout(), clock);
        ScheduledExecutorService upstreamWriteTimer = HttpUpstream.newWriteTimer();
        AtomicBoolean draining = new AtomicBoolean();
        Admission admission = new Admission(config.server().maxStreams());
        Metrics metrics = new Metrics();
        RouteTable routes = new RouteTable(bind(config, upstreamWriteTimer, metrics.pool()));
        ClientWatcher watcher = ClientWatcher.start(sockets, accessLog::info);
        metrics.clientWatch(watcher::active, watcher::watching);
        metrics.upstreams(upstreamStates(routes, clock));
        ProxyHandler proxy = new ProxyHandler(config, routes, accessLog, clock, streamThreads, admission,
                draining::get, metrics, watcher);
        server.createContext("/", new OpsHandler(proxy, () -> !draining.get(), metrics))
                .getFilters().add(new WriteTimeoutFilter(watchdog, clock));
        server.setExecutor(exchanges);
        server.start();
        return new RelayServer(server, exchanges, watchdog, upstreamWriteTimer, exchangeThreads, streamThreads, draining,
                admission, watcher, routes);
    }

    private static List<BoundRoute> bind(Config config, ScheduledExecutorService upstreamWriteTimer,
            HttpUpstream.PoolObserver pool) {
        List<BoundRoute> bound = new ArrayList<>();
        for (Route route : config.routes()) {
            List<Upstream> clients = new ArrayList<>();
            for (RouteUpstream upstream : route.upstreams()) {
                clients.add(switch (upstream.target()) {
                    case RouteTarget.Demo demo -> new DemoUpstream(config.demo());
                    case RouteTarget.Http http -> new HttpUpstream(http.base(),
                            new UpstreamSettings(config.upstream().connectTimeout(), config.upstream().keepalive(),
                                    config.upstream().maxIdlePerHost(), config.upstream().idleTtl(),
                                    http.proxyGiven(config.upstream().proxy())),
                            route.idleTimeout(config.stream()), UpstreamTls.socketFactory(http.trust()), upstreamWriteTimer,
                            pool);
                });
            }
            bound.add(new BoundRoute(route, new FailoverCall.Upstreams(route.upstreams(), clients,
                    new UpstreamHealth(clients.size()))));
        }
        return bound;
    }

    /**
     * One gauge per route prefix and upstream name. Routes that share a prefix (they select by model)
     * share its label: the first of them stands for an upstream they both name, since a scrape with
     * two series of the same labels would fail.
     */
    private static List<Metrics.UpstreamState> upstreamStates(RouteTable routes, NanoClock clock) {
        List<Metrics.UpstreamState> states = new ArrayList<>();
        java.util.Set<String> labelled = new java.util.HashSet<>();
        for (BoundRoute bound : routes.all()) {
            for (int i = 0; i < bound.route().upstreams().size(); i++) {
                int index = i;
                if (!labelled.add(bound.route().prefix() + "\n" + bound.route().upstreams().get(i).name())) {
                    continue;
                }
                states.add(new Metrics.UpstreamState(bound.route().prefix(), bound.route().upstreams().get(i).name(),
                        () -> bound.upstreams().health().up(index, clock.nanoTime())));
            }
        }
        return states;
    }

    /** Idle upstream connections kept for reuse now, over every route. */
    public int idleUpstreamConnections() {
        int idle = 0;
        for (BoundRoute bound : routes.all()) {
            for (Upstream upstream : bound.upstreams().clients()) {
                if (upstream instanceof HttpUpstream http) {
                    idle += http.idleConnections();
                }
            }
        }
        return idle;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /**
     * Graceful stop: {@code /readyz} turns 503 and new requests are refused with 503 (the listener
     * stays open so that probes still get an answer); exchanges in progress get {@code timeout} to
     * finish; then the rest are interrupted, which ends streams with reason {@code shutdown} (an SSE
     * error event to the client, the upstream closed). Returns when every exchange has ended, or 2 s
     * after the deadline at the latest.
     */
    public void drain(Duration timeout) {
        draining.set(true);
        try {
            if (!waitForExchanges(timeout)) {
                exchangeThreads.interruptAll();
                waitForExchanges(Duration.ofSeconds(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    private boolean waitForExchanges(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (admission.active() > 0) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Proxied exchanges in progress (the ones {@code server.max_streams} counts). */
    public int activeExchanges() {
        return admission.active();
    }

    public boolean draining() {
        return draining.get();
    }

    /** Stops accepting, ends every exchange thread, and waits for them. */
    @Override
    public void close() {
        server.stop(0);
        exchanges.shutdownNow();
        try {
            exchanges.close();
            watcher.close(); // after every exchange has ended: none is still watched
            routes.all().forEach(bound -> bound.upstreams().clients().forEach(Upstream::close));
            watchdog.close();
            upstreamWriteTimer.shutdownNow();
            upstreamWriteTimer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
