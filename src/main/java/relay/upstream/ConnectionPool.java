package relay.upstream;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Idle keep-alive connections to one upstream, at most {@code max}, each for at most {@code ttl}
 * (or one second less than the {@code Keep-Alive: timeout} the upstream announced, so relay lets go
 * of a connection before the upstream does). The most recently used is taken first: it is the one
 * least likely to have been closed by the upstream meanwhile. A connection comes back only after a
 * complete exchange ({@link HttpCall}).
 */
final class ConnectionPool {
    private static final Duration SAFETY = Duration.ofSeconds(1);

    private record Idle(UpstreamSocketOpener.Connection connection, long expiresNanos) {
    }

    private final int max;
    private final long ttlNanos;
    private final HttpUpstream.PoolObserver observer;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Idle> idle = new ArrayDeque<>();
    private boolean closed;

    ConnectionPool(int max, Duration ttl, HttpUpstream.PoolObserver observer) {
        this.max = max;
        this.ttlNanos = ttl.toNanos();
        this.observer = observer;
    }

    boolean enabled() {
        return max > 0;
    }

    /** An idle connection to send the next request on, or null (then a new one is opened). */
    UpstreamSocketOpener.Connection take() {
        while (true) {
            Idle candidate;
            lock.lock();
            try {
                candidate = idle.pollLast();
            } finally {
                lock.unlock();
            }
            if (candidate == null) {
                observer.miss();
                return null;
            }
            if (System.nanoTime() - candidate.expiresNanos() >= 0) {
                evict(candidate.connection(), "idle_ttl");
            } else if (unusable(candidate.connection())) {
                evict(candidate.connection(), "closed");
            } else {
                observer.hit();
                return candidate.connection();
            }
        }
    }

    /** Keeps {@code connection} for the next request; {@code keepAlive} is the upstream's announced idle timeout. */
    void offer(UpstreamSocketOpener.Connection connection, Optional<Duration> keepAlive) {
        long ttl = keepAlive.map(d -> d.minus(SAFETY).toNanos()).map(n -> Math.min(n, ttlNanos)).orElse(ttlNanos);
        if (ttl <= 0) {
            closeQuietly(connection);
            return;
        }
        Idle evicted = null;
        lock.lock();
        try {
            if (closed) {
                evicted = new Idle(connection, 0);
            } else {
                if (idle.size() >= max) {
                    evicted = idle.pollFirst();
                }
                idle.addLast(new Idle(connection, System.nanoTime() + ttl));
            }
        } finally {
            lock.unlock();
        }
        if (evicted != null) {
            evict(evicted.connection(), "full");
        }
    }

    /** Closes the connections whose time is up: run every second, so none lingers half-closed by the upstream. */
    void sweep() {
        long now = System.nanoTime();
        while (true) {
            Idle expired;
            lock.lock();
            try {
                Idle oldest = idle.peekFirst();
                if (oldest == null || now - oldest.expiresNanos() < 0) {
                    return;
                }
                expired = idle.pollFirst();
            } finally {
                lock.unlock();
            }
            evict(expired.connection(), "idle_ttl");
        }
    }

    /** One idle connection turned out closed by the upstream: the others of its age likely are too. */
    void clear(String reason) {
        for (Idle i : drain(false)) {
            evict(i.connection(), reason);
        }
    }

    /** The server stops: every idle connection is closed, and any offered later too. */
    void close() {
        for (Idle i : drain(true)) {
            closeQuietly(i.connection());
        }
    }

    int idle() {
        lock.lock();
        try {
            return idle.size();
        } finally {
            lock.unlock();
        }
    }

    private ArrayDeque<Idle> drain(boolean closing) {
        lock.lock();
        try {
            closed |= closing;
            ArrayDeque<Idle> all = new ArrayDeque<>(idle);
            idle.clear();
            return all;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closed on our side, or bytes waiting on a connection with no request on it (an upstream's
     * unsolicited 408 before it closes): either way not one to send a request on. One ioctl, no read.
     */
    private static boolean unusable(UpstreamSocketOpener.Connection connection) {
        try {
            return connection.socket().isClosed() || connection.tcp().getInputStream().available() > 0;
        } catch (IOException e) {
            return true;
        }
    }

    private void evict(UpstreamSocketOpener.Connection connection, String reason) {
        observer.evicted(reason);
        closeQuietly(connection);
    }

    private static void closeQuietly(UpstreamSocketOpener.Connection connection) {
        try {
            connection.socket().close();
        } catch (IOException e) {
            // closed either way
        }
    }
}
