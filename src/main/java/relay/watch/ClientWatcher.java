package relay.watch;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import relay.stream.ClientDeparture;

/**
 * Notices at once when a watched exchange's client closes or resets its connection, as Go's server
 * and nginx do: one epoll set holds the client sockets of every exchange that waits on its upstream
 * (streams, and long non-stream calls), and one platform thread blocks in {@code epoll_wait} for
 * all of them. It asks for {@code EPOLLRDHUP} only, never for readable data, so it reads no byte of
 * the socket (a pipelined next request stays where the JDK server will read it) and leaves the
 * socket's blocking mode alone; the JDK server never waits on it. See docs/design.md, "Noticing a
 * departed client".
 */
public final class ClientWatcher implements AutoCloseable {
    private static final int INTEREST = Epoll.EPOLLRDHUP | Epoll.EPOLLONESHOT;

    private final ExchangeSockets sockets;
    private final Epoll epoll;
    private final Thread thread;
    private final Map<Long, ClientDeparture.Signal> watched = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();

    private ClientWatcher(ExchangeSockets sockets, Epoll epoll) {
        this.sockets = sockets;
        this.epoll = epoll;
        this.thread = epoll == null ? null : Thread.ofPlatform().daemon().name("relay-client-watch").start(this::run);
    }

    /**
     * Starts watching, or (when the JDK's internals or epoll are out of reach) a watcher that watches
     * nothing: then {@code log} gets one line saying so, and a departed client is noticed when a write
     * to it fails, as before.
     */
    public static ClientWatcher start(ExchangeSockets.Locator locator, Consumer<String> log) {
        ExchangeSockets sockets;
        Epoll epoll;
        try {
            sockets = locator.locate();
            epoll = Epoll.open();
        } catch (ReflectiveOperationException | IOException | RuntimeException | LinkageError e) {
            log.accept("warning: client watch unavailable (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); a departed client is noticed only when a write to it fails. Start relay with the"
                    + " options in README \"Sizing\" (--add-opens, --enable-native-access) on Linux to enable it");
            return new ClientWatcher(null, null);
        }
        return new ClientWatcher(sockets, epoll);
    }

    /** Whether departures are noticed at once (false: the fallback). */
    public boolean active() {
        return epoll != null;
    }

    /** Exchanges watched now. */
    public int watching() {
        return watched.size();
    }

    /**
     * Starts watching {@code exchange}'s client; the result must be closed before the exchange's
     * response ends. Unwatched (a no-op) when the watcher is inactive or the socket is out of reach.
     */
    public ClientDeparture watch(HttpExchange exchange) {
        if (epoll == null) {
            return ClientDeparture.UNWATCHED;
        }
        ClientSocket socket = sockets.socket(exchange);
        if (socket == null) {
            return ClientDeparture.UNWATCHED;
        }
        long token = tokens.incrementAndGet();
        ClientDeparture.Signal signal = new ClientDeparture.Signal(() -> forget(token, socket));
        watched.put(token, signal);
        try {
            epoll.add(socket.fd(), INTEREST, token);
        } catch (IOException | RuntimeException e) {
            watched.remove(token);
            return ClientDeparture.UNWATCHED;
        }
        return signal;
    }

    private void forget(long token, ClientSocket socket) {
        watched.remove(token);
        // A channel the JDK closed (a write timeout closes it) left the epoll set with its file; its
        // descriptor number may already be another connection's, which must keep its registration.
        if (socket.channel().isOpen()) {
            try {
                epoll.remove(socket.fd());
            } catch (IOException | RuntimeException e) {
                // the registration ends with the socket at the latest
            }
        }
    }

    private void run() {
        try {
            while (epoll.await(this::ready)) {
                // one departure per event, each handed over in ready()
            }
        } catch (IOException | RuntimeException e) {
            System.getLogger("relay.watch").log(System.Logger.Level.ERROR, "client watch stopped", e);
        }
    }

    private void ready(int events, long token) {
        ClientDeparture.Signal signal = watched.get(token);
        if (signal != null) {
            signal.left();
        }
    }

    /** Stops the watch thread and closes the epoll set; call it once no exchange is watched any more. */
    @Override
    public void close() {
        if (epoll == null) {
            return;
        }
        try {
            epoll.wake();
            thread.join();
            epoll.close(); // only once the thread is out of epoll_wait: it writes into the set's buffer
        } catch (IOException e) {
            // a broken eventfd cannot wake the thread: leave it (a daemon) and the set to the JVM's exit
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
