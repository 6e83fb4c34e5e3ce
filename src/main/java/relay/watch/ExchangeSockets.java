package relay.watch;

import com.sun.net.httpserver.HttpExchange;

/** Finds the client's socket under an exchange. */
@FunctionalInterface
public interface ExchangeSockets {
    /** The exchange's client socket, or null when this exchange's cannot be reached. */
    ClientSocket socket(HttpExchange exchange);

    /** Makes an {@link ExchangeSockets}, or says why it cannot (the JDK's internals are out of reach). */
    @FunctionalInterface
    interface Locator {
        ExchangeSockets locate() throws ReflectiveOperationException;
    }
}
