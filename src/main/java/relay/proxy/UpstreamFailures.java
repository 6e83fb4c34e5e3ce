package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.SocketTimeoutException;
import relay.config.Config;
import relay.config.DurationFormat;
import relay.config.Route;
import relay.stream.EndReason;
import relay.upstream.UpstreamConnectException;

/** An upstream that failed before relay sent the client anything: {@code 504} for silence, {@code 502} otherwise. */
final class UpstreamFailures {
    private final Config config;

    UpstreamFailures(Config config) {
        this.config = config;
    }

    void answer(HttpExchange exchange, Route route, IOException e, ExchangeRecord record) {
        record.failed(e.getMessage());
        if (e instanceof SocketTimeoutException) { // connect timeouts arrive as UpstreamConnectException
            record.status = 504;
            record.reason = EndReason.IDLE_TIMEOUT;
            record.bytes = ErrorResponses.send(exchange, 504, "upstream did not answer (or did not read the request) within stream.idle_timeout ("
                    + DurationFormat.format(route.idleTimeout(config.stream())) + ")", "upstream_error", "upstream_timeout");
            return;
        }
        record.status = 502;
        record.reason = EndReason.UPSTREAM_ERROR;
        boolean connect = e instanceof UpstreamConnectException;
        record.bytes = ErrorResponses.send(exchange, 502, connect ? e.getMessage() : "upstream request failed: " + e.getMessage(),
                "upstream_error", connect ? "upstream_unreachable" : "upstream_error");
    }
}
