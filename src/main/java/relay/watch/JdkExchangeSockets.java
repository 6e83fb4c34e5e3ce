package relay.watch;

import com.sun.net.httpserver.HttpExchange;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.SocketChannel;

/**
 * The JDK server's own path from an exchange to its socket (JDK 25, verified in its sources; see
 * docs/design.md, "Noticing a departed client"): {@code HttpExchangeImpl.getExchangeImpl()} →
 * {@code ExchangeImpl.getConnection()} → {@code HttpConnection.getChannel()}, a
 * {@code sun.nio.ch.SocketChannelImpl} whose {@code getFDVal()} is the descriptor. Needs
 * {@code --add-opens jdk.httpserver/sun.net.httpserver} and {@code java.base/sun.nio.ch} (the jar's
 * manifest and every start command carry them); without them {@link #locate} fails and relay falls
 * back to noticing a departed client when a write fails.
 */
public final class JdkExchangeSockets implements ExchangeSockets {
    private final Class<?> exchangeType;
    private final MethodHandle exchangeImpl;
    private final MethodHandle connection;
    private final MethodHandle channel;
    private final MethodHandle fd;

    private JdkExchangeSockets(Class<?> exchangeType, MethodHandle exchangeImpl, MethodHandle connection,
            MethodHandle channel, MethodHandle fd) {
        this.exchangeType = exchangeType;
        this.exchangeImpl = exchangeImpl;
        this.connection = connection;
        this.channel = channel;
        this.fd = fd;
    }

    /** Resolves the path once; throws (an IllegalAccessException, typically) when it is out of reach. */
    public static ExchangeSockets locate() throws ReflectiveOperationException {
        try {
            Class<?> wrapper = Class.forName("sun.net.httpserver.HttpExchangeImpl");
            Class<?> impl = Class.forName("sun.net.httpserver.ExchangeImpl");
            Class<?> conn = Class.forName("sun.net.httpserver.HttpConnection");
            Class<?> selectable = Class.forName("sun.nio.ch.SelChImpl");
            return new JdkExchangeSockets(wrapper,
                    lookup(wrapper).findVirtual(wrapper, "getExchangeImpl", MethodType.methodType(impl)),
                    lookup(impl).findVirtual(impl, "getConnection", MethodType.methodType(conn)),
                    lookup(conn).findVirtual(conn, "getChannel", MethodType.methodType(SocketChannel.class)),
                    lookup(selectable).findVirtual(selectable, "getFDVal", MethodType.methodType(int.class)));
        } catch (RuntimeException e) {
            // InaccessibleObjectException: the package is not opened to relay
            throw new IllegalAccessException(e.getMessage());
        }
    }

    private static MethodHandles.Lookup lookup(Class<?> type) throws IllegalAccessException {
        return MethodHandles.privateLookupIn(type, MethodHandles.lookup());
    }

    @Override
    public ClientSocket socket(HttpExchange exchange) {
        if (!exchangeType.isInstance(exchange)) {
            return null; // an exchange wrapped by someone else's filter: not ours to open
        }
        try {
            Object impl = exchangeImpl.invoke(exchange);
            Object conn = connection.invoke(impl);
            SocketChannel chan = (SocketChannel) channel.invoke(conn);
            if (chan == null || !chan.isOpen()) {
                return null;
            }
            return new ClientSocket(chan, (int) fd.invoke(chan));
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            return null; // a changed internal: this exchange goes unwatched, as without the watcher
        }
    }
}
