package relay.ops;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import relay.upstream.HttpUpstream;

/**
 * relay's Prometheus metrics, in a registry of its own (no global state), exposed in the text format
 * by the Prometheus Java client. Label values are bounded sets: route prefixes from the config, end
 * reason codes, and refusal causes.
 */
public final class Metrics {
    private static final double[] LATENCY_BUCKETS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120
    };
    private static final double[] DURATION_BUCKETS = {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Gauge activeStreams;
    private final Counter streams;
    private final Counter requests;
    private final Counter pings;
    private final Counter bytes;
    private final Counter refused;
    private final Counter authFailures;
    private final Histogram upstreamHeaders;
    private final Histogram streamDuration;
    private final Histogram eventWrite;
    private final Counter attempts;
    private final Counter poolRequests;
    private final Counter poolEvictions;
    private final Counter failovers;
    private final Gauge keyExchanges;
    private final Counter keyRefused;

    public Metrics() {
        activeStreams = Gauge.builder().name("relay_active_streams")
                .help("Event streams being relayed now").register(registry);
        streams = Counter.builder().name("relay_streams_total")
                .help("Event streams relayed, by route and end reason").labelNames("route", "reason").register(registry);
        requests = Counter.builder().name("relay_requests_total")
                .help("Exchanges handled, by route and status class").labelNames("route", "status").register(registry);
        pings = Counter.builder().name("relay_pings_total").help("Heartbeat comments written to clients").register(registry);
        bytes = Counter.builder().name("relay_bytes_total")
                .help("Bytes relayed: request bodies upstream (in), responses to clients (out)")
                .labelNames("direction").register(registry);
        refused = Counter.builder().name("relay_refused_total")
                .help("Requests refused by a limit").labelNames("limit").register(registry);
        authFailures = Counter.builder().name("relay_client_auth_failures_total")
                .help("Requests without a valid client key").register(registry);
        upstreamHeaders = Histogram.builder().name("relay_upstream_headers_seconds")
                .help("Time from request start until the upstream's response headers (time to first upstream byte)")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        streamDuration = Histogram.builder().name("relay_stream_duration_seconds")
                .help("Duration of relayed event streams").classicOnly().classicUpperBounds(DURATION_BUCKETS)
                .withoutExemplars().register(registry);
        eventWrite = Histogram.builder().name("relay_event_write_seconds")
                .help("Time to write and flush one event to a client (lock held)")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        attempts = Counter.builder().name("relay_upstream_attempts_total")
                .help("Requests sent (or tried) to an upstream, by route, upstream and outcome "
                        + "(answered, retry_status, connect_failed, failed, first_event_timeout)")
                .labelNames("route", "upstream", "outcome").register(registry);
        failovers = Counter.builder().name("relay_upstream_failovers_total")
                .help("Moves from an upstream to the route's next one, by route and the upstream given up")
                .labelNames("route", "upstream").register(registry);
        poolRequests = Counter.builder().name("relay_upstream_pool_requests_total")
                .help("Upstream requests by connection: reused from the pool (hit) or newly opened (miss)")
                .labelNames("result").register(registry);
        poolEvictions = Counter.builder().name("relay_upstream_pool_evictions_total")
                .help("Idle upstream connections closed, by reason: idle_ttl, full, closed (by the upstream)")
                .labelNames("reason").register(registry);
        keyExchanges = Gauge.builder().name("relay_client_key_exchanges")
                .help("Exchanges in flight now, by the name of the client key they presented")
                .labelNames("key").register(registry);
        keyRefused = Counter.builder().name("relay_client_key_refused_total")
                .help("Requests refused because their client key had max_streams exchanges in flight")
                .labelNames("key").register(registry);
        JvmMetrics.builder().register(registry);
    }

    /** What the upstream connection pools report. */
    public HttpUpstream.PoolObserver pool() {
        return new HttpUpstream.PoolObserver() {
            @Override
            public void hit() {
                poolRequests.labelValues("hit").inc();
            }

            @Override
            public void miss() {
                poolRequests.labelValues("miss").inc();
            }

            @Override
            public void evicted(String reason) {
                poolEvictions.labelValues(reason).inc();
            }
        };
    }

    /** One upstream of a route, and whether it is up (not cooling down after a failure) now. */
    public record UpstreamState(String route, String upstream, BooleanSupplier up) {
    }

    public void upstreams(java.util.List<UpstreamState> upstreams) {
        GaugeWithCallback.builder().name("relay_upstream_up")
                .help("1 when the upstream is tried in its configured place, 0 while it cools down after a failure "
                        + "(retry.cooldown or its Retry-After)")
                .labelNames("route", "upstream")
                .callback(gauge -> upstreams.forEach(u -> gauge.call(u.up().getAsBoolean() ? 1 : 0, u.route(), u.upstream())))
                .register(registry);
    }

    public void upstreamAttempt(String route, String upstream, String outcome) {
        attempts.labelValues(route, upstream, outcome).inc();
    }

    public void failover(String route, String fromUpstream) {
        failovers.labelValues(route, fromUpstream).inc();
    }

    /** The client watch's state: whether departures are noticed at once, and how many clients it watches. */
    public void clientWatch(BooleanSupplier active, IntSupplier watching) {
        GaugeWithCallback.builder().name("relay_client_watch_active")
                .help("1 when a departed client is noticed at once (the client watch runs), 0 in the fallback")
                .callback(gauge -> gauge.call(active.getAsBoolean() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("relay_client_watches")
                .help("Client connections watched for a departure now (streams, and non-stream calls past the header grace)")
                .callback(gauge -> gauge.call(watching.getAsInt())).register(registry);
    }

    public void streamStarted() {
        activeStreams.inc();
    }

    public void streamEnded(String route, String reason, long pingCount, double seconds) {
        activeStreams.dec();
        streams.labelValues(route, reason).inc();
        pings.inc(pingCount);
        streamDuration.observe(seconds);
    }

    public void exchangeEnded(String route, int status, long bytesIn, long bytesOut) {
        requests.labelValues(route, status == 0 ? "none" : (status / 100) + "xx").inc();
        bytes.labelValues("in").inc(bytesIn);
        bytes.labelValues("out").inc(bytesOut);
    }

    public void upstreamHeaders(double seconds) {
        upstreamHeaders.observe(seconds);
    }

    public void eventWritten(long nanos) {
        eventWrite.observe(nanos / 1e9);
    }

    public void refused(String limit) {
        refused.labelValues(limit).inc();
    }

    /** An exchange that presented client key {@code name} began (+1) or ended (-1). */
    public void keyExchange(String name, int delta) {
        keyExchanges.labelValues(name).inc(delta);
    }

    public void keyRefused(String name) {
        keyRefused.labelValues(name).inc();
    }

    public void authFailed() {
        authFailures.inc();
    }

    public String contentType() {
        return writer.getContentType();
    }

    public void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
