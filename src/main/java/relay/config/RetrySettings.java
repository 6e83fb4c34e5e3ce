package relay.config;

import java.time.Duration;
import java.util.Set;

/**
 * A route's {@code [routes.retry]}: when a request moves on to the route's next upstream (see
 * docs/design.md, "Failover"). {@code maxAttempts} counts every attempt, the first included;
 * {@code nonStream} says the route's upstreams are safe to retry after a non-stream request was sent.
 */
public record RetrySettings(Set<Integer> statuses, int maxAttempts, Duration retryAfterMax, Duration cooldown,
        long maxBody, boolean nonStream) {

    public static final Set<Integer> DEFAULT_STATUSES = Set.of(408, 429, 500, 502, 503, 504, 529);
    /**
     * Statuses that say the upstream declined the request before working on it: the ones of the retry
     * list a non-stream request is retried on (a 500, 502 or 504 may come after the work was done).
     */
    public static final Set<Integer> DECLINED = Set.of(408, 429, 503, 529);
    public static final Duration DEFAULT_RETRY_AFTER_MAX = Duration.ofSeconds(10);
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(10);
    public static final long DEFAULT_MAX_BODY = 1024 * 1024;

    public RetrySettings {
        statuses = Set.copyOf(statuses);
    }

    /** The defaults for a route of {@code upstreams} upstreams: each is tried once. */
    public static RetrySettings defaults(int upstreams) {
        return new RetrySettings(DEFAULT_STATUSES, upstreams, DEFAULT_RETRY_AFTER_MAX, DEFAULT_COOLDOWN,
                DEFAULT_MAX_BODY, false);
    }
}
