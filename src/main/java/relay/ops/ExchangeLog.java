package relay.ops;

import relay.stream.TokenUsage;

/**
 * One access-log line: what happened to one exchange. Times are milliseconds from the request's
 * start; -1 when it did not happen (no upstream headers, no event). {@code usage} is null when the
 * stream carried none; {@code error} is null unless something failed, and then says what (the cause
 * of an upstream failure, with secrets already removed). {@code upstream} names the upstream that
 * answered (or failed last), null for none; {@code attempts} lists every attempt when there was more
 * than one ({@code name:status-or-error:ms}, comma-separated), else null; {@code notRetried} says why
 * a failure was not retried when a retry was wanted, else null. {@code clientKey} is the name of the
 * client key the request presented (null without client keys); {@code model} the request's top-level
 * {@code model} when a route matched on it or the request named one, else null.
 */
public record ExchangeLog(
        String requestId,
        String client,
        String method,
        String path,
        String route,
        String clientKey,
        String model,
        int status,
        boolean stream,
        String reason,
        long durationMs,
        long upstreamHeadersMs,
        long firstEventMs,
        long events,
        long pings,
        long bytesIn,
        long bytesOut,
        String upstreamRequestId,
        String upstream,
        String attempts,
        String notRetried,
        TokenUsage usage,
        String error) {

    /** Failed exchanges are what {@code level = "error"} keeps. */
    public boolean failed() {
        return status >= 500 || !(reason.equals("done") || reason.equals("eof") || reason.equals("client_gone")
                || reason.equals("-"));
    }
}
