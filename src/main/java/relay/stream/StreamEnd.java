package relay.stream;

/** How a stream ended: its reason, and for upstream failures what the upstream did, for the error event. */
public record StreamEnd(EndReason reason, String detail) {

    static StreamEnd of(EndReason reason) {
        return new StreamEnd(reason, null);
    }
}
