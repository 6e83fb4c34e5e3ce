package relay.failover;

import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;

/**
 * What a route's requests have learned about its upstreams, shared by all of them: an upstream that
 * failed cools down ({@code retry.cooldown}, or as long as its {@code Retry-After} asked) and is
 * tried after the others until then; an answer ends the cool-down. Nothing is ever refused for it:
 * when every upstream is cooling down they are tried in the order their cool-downs end.
 */
public final class UpstreamHealth {
    private static final long NONE = Long.MIN_VALUE;

    private final AtomicLongArray coolUntil;
    private final AtomicLongArray retryAfterUntil;

    private final int[] configured;

    public UpstreamHealth(int upstreams) {
        configured = IntStream.range(0, upstreams).toArray();
        coolUntil = new AtomicLongArray(upstreams);
        retryAfterUntil = new AtomicLongArray(upstreams);
        for (int i = 0; i < upstreams; i++) {
            coolUntil.set(i, NONE);
            retryAfterUntil.set(i, NONE);
        }
    }

    public int size() {
        return coolUntil.length();
    }

    /** The order a request arriving {@code now} tries the upstreams in: ready ones first, as configured. */
    int[] order(long now) {
        boolean allUp = true;
        for (int i = 0; i < size() && allUp; i++) {
            allUp = up(i, now);
        }
        if (allUp) {
            return configured; // the usual case: nothing to sort, nothing to allocate (callers only read it)
        }
        Integer[] order = IntStream.range(0, size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingLong(i -> Math.max(0, left(coolUntil, i, now)))); // stable: config order
        return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }

    /** True unless upstream {@code i} is cooling down. */
    public boolean up(int i, long now) {
        return left(coolUntil, i, now) <= 0;
    }

    /** How long upstream {@code i} asked (with {@code Retry-After}) not to be sent a request; 0 when it did not. */
    long retryAfterLeft(int i, long now) {
        return Math.max(0, left(retryAfterUntil, i, now));
    }

    void failed(int i, long now, long coolNanos, long retryAfterNanos) {
        long cool = Math.max(coolNanos, retryAfterNanos);
        if (cool > 0) {
            coolUntil.set(i, now + cool);
        }
        if (retryAfterNanos > 0) {
            retryAfterUntil.set(i, now + retryAfterNanos);
        }
    }

    void answered(int i) {
        coolUntil.set(i, NONE);
        retryAfterUntil.set(i, NONE);
    }

    private static long left(AtomicLongArray until, int i, long now) {
        long at = until.get(i);
        return at == NONE ? 0 : at - now;
    }
}
