package relay.failover;

/**
 * One try of one upstream for one request, for the access log and the metrics. {@code outcome} is
 * a short fixed code ({@link Outcome}); {@code detail} the status or the error, secrets removed.
 */
public record Attempt(String upstream, Outcome outcome, String detail, long millis) {

    public enum Outcome {
        /** Its answer went to the client (whatever the status). */
        ANSWERED("answered"),
        /** A status of the route's retry list: the next upstream was tried. */
        RETRY_STATUS("retry_status"),
        CONNECT_FAILED("connect_failed"),
        /** Reset, closed, timed out or cut before its first event. */
        FAILED("failed"),
        FIRST_EVENT_TIMEOUT("first_event_timeout");

        private final String code;

        Outcome(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** {@code openai-a:429:120ms}: one element of the access log's {@code attempts} field. */
    @Override
    public String toString() {
        return upstream + ":" + (detail.isEmpty() ? outcome.code() : detail) + ":" + millis + "ms";
    }
}
