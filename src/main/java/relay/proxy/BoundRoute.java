package relay.proxy;

import relay.config.Route;
import relay.failover.FailoverCall;

/** A configured route together with the clients of its upstreams and what its requests learned of them. */
record BoundRoute(Route route, FailoverCall.Upstreams upstreams) {
}
