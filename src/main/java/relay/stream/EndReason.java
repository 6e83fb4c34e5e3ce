package relay.stream;

import java.util.Locale;

/** Why an exchange ended; the code is what logs, metrics and in-band error events show. */
public enum EndReason {
    /** {@code data: [DONE]} was relayed. */
    DONE,
    /** The upstream body ended cleanly (complete chunked body or Content-Length reached). */
    EOF,
    IDLE_TIMEOUT,
    /** No data event within {@code stream.first_event_timeout} of the request. */
    FIRST_EVENT_TIMEOUT,
    MAX_DURATION,
    CLIENT_GONE,
    WRITE_TIMEOUT,
    UPSTREAM_ERROR,
    LINE_TOO_LONG,
    SHUTDOWN,
    INTERNAL_ERROR;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A stream that ends for this reason tells the client in-band, if the client can still hear it. */
    public boolean needsErrorEvent() {
        return this != DONE && this != EOF && this != CLIENT_GONE;
    }
}
