package relay.stream;

/** The client closed or reset its connection while relay waited for the upstream on its behalf. */
public final class ClientGoneException extends Exception {
    public ClientGoneException() {
        super("client closed its connection", null, false, false);
    }
}
