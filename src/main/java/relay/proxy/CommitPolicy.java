package relay.proxy;

import java.io.IOException;
import java.time.Duration;
import relay.config.Config;
import relay.config.Route;
import relay.stream.ClientDeparture;
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
    /**
     * The part of the grace waited for inline, unwatched: a client that leaves within it is noticed
     * when it ends, still well inside 100 ms.
     */
    static final Duration FIRST_LOOK = Duration.ofMillis(50);
    private final Config config;
    private final NanoClock clock;
    private final DepartureRace race;

    CommitPolicy(Config config, NanoClock clock, DepartureRace race) {
        this.config = config;
        this.clock = clock;
        this.race = race;
    }

    boolean pings(Route route) {
        return config.ping().enabled() && route.ping();
    }

    /**
     * True when relay commits now; false when the upstream answered in time, or relay waits for it
     * whatever it takes. A client that leaves during the grace ends the wait (ClientGoneException).
     */
    boolean commitsFirst(UpstreamCall call, Route route, boolean streamRequest, long requestStartNanos,
            ClientDeparture departure) throws ClientGoneException, InterruptedException {
        if (!streamRequest || !pings(route)) {
            return false;
        }
        Duration grace = config.ping().headerGrace().minusNanos(clock.nanoTime() - requestStartNanos);
        if (grace.isZero() || grace.isNegative()) {
            return true;
        }
        try {
            // Most upstreams that answer within the grace answer within the first look: waiting for
            // them inline costs the exchange nothing; only a longer wait races the client's departure.
            Duration look = grace.compareTo(FIRST_LOOK) < 0 ? grace : FIRST_LOOK;
            if (call.awaitResponse(look)) {
                return false;
            }
            Duration rest = grace.minus(look);
            return rest.isPositive() ? !race.await(() -> call.awaitResponse(rest), departure) : true;
        } catch (IOException e) {
            return false; // call.response() will report the failure with its real status code
        }
    }
}
