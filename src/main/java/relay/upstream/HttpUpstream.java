package relay.upstream;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import javax.net.ssl.SSLSocketFactory;
import relay.config.UpstreamSettings;

/**
 * A minimal HTTP/1.1 client for one upstream base URI: the body streamed both ways with no buffering
 * beyond one socket read; a connection is reused only after a complete exchange
 * ({@code upstream.max_idle_per_host}), and closed when a response is closed before its end (which
 * cancels a paid upstream request). See docs/design.md for why relay has its own.
 */
public final class HttpUpstream implements Upstream {
    /** Told what the connection pool does, for the metrics. */
    public interface PoolObserver {
        PoolObserver NONE = new PoolObserver() {
        };

        /** A request went out on a reused connection. */
        default void hit() {
        }

        /** No idle connection: a new one was opened. */
        default void miss() {
        }

        /** An idle connection was closed: {@code idle_ttl}, {@code full}, or {@code closed} (by the upstream). */
        default void evicted(String reason) {
        }
    }

    /**
     * How long relay looks for an answer the upstream sent before a failed request write: it is
     * already in the socket's receive buffer, or on its way, when an upstream answers and closes.
     */
    private static final Duration EARLY_ANSWER_WAIT = Duration.ofSeconds(1);

    private final UpstreamAddress address;
    private final String hostHeader;
    private final RequestWriter writer;
    private final Duration writeTimeout;
    private final UpstreamSocketOpener opener;
    private final ScheduledExecutorService writeTimer;
    private final ConnectionPool pool;
    private final java.util.concurrent.ScheduledFuture<?> sweeper;
    private final int readTimeoutMillis;

    /** {@code writeTimer} bounds request writes ({@link #newWriteTimer}); its owner shuts it down. */
    public HttpUpstream(URI base, UpstreamSettings settings, Duration idleTimeout, ScheduledExecutorService writeTimer) {
        this(base, settings, idleTimeout, (SSLSocketFactory) SSLSocketFactory.getDefault(), writeTimer);
    }

    /** {@code tls} decides which certificates are trusted: tests pass one trusting their own. */
    public HttpUpstream(URI base, UpstreamSettings settings, Duration idleTimeout, SSLSocketFactory tls,
            ScheduledExecutorService writeTimer) {
        this(base, settings, idleTimeout, tls, writeTimer, PoolObserver.NONE);
    }

    /** {@code writeTimer} also runs the pool's sweep of expired idle connections, every second. */
    public HttpUpstream(URI base, UpstreamSettings settings, Duration idleTimeout, SSLSocketFactory tls,
            ScheduledExecutorService writeTimer, PoolObserver poolObserver) {
        this.writeTimer = writeTimer;
        this.pool = new ConnectionPool(settings.maxIdlePerHost(), settings.idleTtl(), poolObserver);
        this.sweeper = pool.enabled()
                ? writeTimer.scheduleWithFixedDelay(pool::sweep, 1, 1, java.util.concurrent.TimeUnit.SECONDS) : null;
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, idleTimeout.toMillis()));
        this.address = UpstreamAddress.of(base);
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        this.hostHeader = address.authority();
        this.writer = new RequestWriter(path.endsWith("/") ? path.substring(0, path.length() - 1) : path, hostHeader,
                pool.enabled());
        // stream.idle_timeout already says how long an upstream may make no progress; writes included
        this.writeTimeout = idleTimeout;
        this.opener = new UpstreamSocketOpener(settings, idleTimeout, tls);
    }

    /**
     * The one timer a server's upstreams share for their write timeouts: one platform thread, started
     * now so that it is there for the server's whole life, and cancelled alarms removed at once.
     */
    public static ScheduledExecutorService newWriteTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("relay-upstream-write-timeout").factory());
        timer.setRemoveOnCancelPolicy(true); // one alarm per write: cancelled ones must not pile up
        timer.prestartCoreThread();
        return timer;
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) throws IOException {
        UpstreamCall call = call(request);
        try {
            return call.response();
        } catch (IOException | RuntimeException e) {
            call.close();
            throw e;
        }
    }

    @Override
    public UpstreamCall call(UpstreamRequest request) throws IOException {
        UpstreamSocketOpener.Connection connection = pool.enabled() ? pool.take() : null;
        boolean reused = connection != null;
        if (!reused) {
            try {
                connection = opener.open(address);
            } catch (IOException e) {
                throw new UpstreamConnectException(hostHeader, e);
            }
        }
        Socket socket = connection.socket();
        try {
            if (reused) {
                socket.setSoTimeout(readTimeoutMillis); // a stream before it cleared it
            }
            HttpCall call = new HttpCall(connection, request.method(), reused, pool.enabled() ? pool : null);
            try {
                OutputStream timed = new WriteTimeoutStream(socket.getOutputStream(), connection.tcp(), writeTimeout,
                        writeTimer);
                writer.write(request, new BufferedOutputStream(timed, RequestWriter.WRITE_BUFFER));
                call.requestSent();
            } catch (RequestBodyException e) {
                throw e;
            } catch (IOException e) {
                if (reused) {
                    pool.clear("closed");
                    throw new StaleConnectionException(e);
                }
                if (!answeredEarly(call)) {
                    throw e;
                }
            }
            return call;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Idle connections now in the pool. */
    public int idleConnections() {
        return pool.idle();
    }

    /** Closes the idle connections; a response still being read closes its own when it ends. */
    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        pool.close();
    }

    /**
     * An upstream may answer before it has read the whole body (a 413, a 401) and close; the write then
     * fails, but the answer is what the client should get, not a 502 (RFC 9112 §9.5). The JDK's
     * SSLSocket leaves the read side usable after a failed write of the socket under it, so this works
     * over TLS too. A write that timed out has closed the connection: nothing to find.
     */
    private static boolean answeredEarly(HttpCall call) {
        try {
            return call.awaitResponse(EARLY_ANSWER_WAIT);
        } catch (IOException e) {
            return false; // no usable answer: the write's failure is the one to report
        }
    }
}
