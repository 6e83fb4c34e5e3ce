package relay.proxy;

import java.io.IOException;
import java.time.Duration;
import relay.config.Config;
import relay.config.Route;
import relay.stream.ClientDeparture;
import relay.stream.ClientGoneException;
import relay.time.NanoClock;
import relay.upstream.UpstreamCall;

/**
 * When relay answers a stream request with its own {@code 200} before the upstream has answered.
 * It waits up to {@code ping.header_grace}, counted from the request's arrival (connecting and
 * sending the body use it up first): an upstream that answers in time gives the client its real
 * status and headers (a 4xx/5xx with its body, unchanged). Only a route that pings may commit
 * early: without pings an early 200 would buy nothing and would turn a 429 into an in-band error.
 */
final class CommitPolicy {
    private final Config config;
    private final NanoClock clock;

    CommitPolicy(Config config, NanoClock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** What is left of {@code ping.header_grace} for a request that arrived at {@code requestStartNanos}; never negative. */
    Duration graceLeft(Route route, long requestStartNanos) {
        Duration left = route.headerGrace(config.ping()).minusNanos(clock.nanoTime() - requestStartNanos);
        return left.isNegative() ? Duration.ZERO : left;
    }

    boolean pings(Route route) {
        return route.pings(config.ping());
    }

    /**
     * True when relay commits now; false when the upstream answered in time, or relay waits for it
     * whatever it takes. A client that leaves during the grace ends the wait (ClientGoneException).
     */
    boolean commitsFirst(UpstreamCall call, Route route, boolean streamRequest, long requestStartNanos,
            ClientDeparture departure) throws ClientGoneException {
        if (!streamRequest || !pings(route)) {
            return false;
        }
        Duration grace = graceLeft(route, requestStartNanos);
        if (grace.isZero()) {
            return true;
        }
        try {
            return !departure.cutShort(() -> call.awaitResponse(grace));
        } catch (IOException e) {
            return false; // call.response() will report the failure with its real status code
        }
    }
}
