package relay.proxy;

/** The client closed or reset its connection while relay waited for the upstream on its behalf. */
final class ClientGoneException extends Exception {
    ClientGoneException() {
        super("client closed its connection", null, false, false);
    }
}
