package relay.proxy;

import relay.config.Route;
import relay.upstream.Upstream;

/** A configured route together with the upstream client that serves it. */
record BoundRoute(Route route, Upstream upstream) {
}
