package relay.failover;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import relay.config.RetrySettings;
import relay.config.RouteUpstream;
import relay.time.NanoClock;
import relay.upstream.RequestBodyException;
import relay.upstream.StaleConnectionException;
import relay.upstream.Upstream;
import relay.upstream.UpstreamCall;
import relay.upstream.UpstreamConnectException;
import relay.upstream.UpstreamRequest;
import relay.upstream.UpstreamResponse;

/**
 * One request sent to a route's upstreams in turn until one answers: to the caller it is one
 * {@link UpstreamCall}, whose head is the answer that counts. An attempt is given up for the next
 * upstream when it cannot be connected to, fails or closes before answering (stream requests, or
 * routes with {@code retry.non_stream}), answers a status of the route's retry list, or, once a
 * stream has begun, sends no data event in time or fails before its first one ({@link #failOver},
 * {@link #abandonSilent}). Bounded by {@code retry.max_attempts}, a body copy within
 * {@code retry.max_body}, and the request's {@code stream.max_duration}; a {@code Retry-After} is
 * waited for when it is within {@code retry.retry_after_max}, otherwise that upstream is skipped.
 *
 * <p>One thread at a time drives it (the handler, then the stream's scanner); only
 * {@link #abandonSilent} comes from another (the stream's heartbeat), under the lock.
 */
public final class FailoverCall implements UpstreamCall {
    private static final Duration A_YEAR = Duration.ofDays(365);

    /** The request for one attempt: the client's, with that upstream's headers and the body to send. */
    @FunctionalInterface
    public interface Requests {
        UpstreamRequest build(RouteUpstream upstream, InputStream body);
    }

    /** Told of every attempt as it ends, and of every move to another upstream. */
    public interface Observer {
        Observer NONE = new Observer() {
        };

        default void attempted(Attempt attempt) {
        }

        default void movedOn(String fromUpstream) {
        }
    }

    /** A route's upstreams with their clients, and what its requests learned about them. */
    public record Upstreams(List<RouteUpstream> configs, List<Upstream> clients, UpstreamHealth health) {
        public Upstreams {
            configs = List.copyOf(configs);
            clients = List.copyOf(clients);
        }
    }

    private final Upstreams upstreams;
    private final RetrySettings retry;
    private final Requests requests;
    private final ReplayBody body;
    private final BooleanSupplier streamRequest;
    private final NanoClock clock;
    private final long budgetEndNanos;
    private final long firstEventTimeoutNanos;
    private final Observer observer;
    private final int[] order;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Attempt> attempts = new ArrayList<>();
    private String notRetried;
    /** Attempts sent or tried to send, the one running included. */
    private int made;
    private int position;
    /** Replaced under the lock; closed by {@link #abandonSilent} from the heartbeat's thread. */
    private UpstreamCall current;
    private long sentNanos;
    private boolean pending = true;
    private long sendAtNanos;
    private UpstreamResponse answer;
    /** The failure that ended every attempt: thrown again by each later call, as by a single call. */
    private IOException failure;
    private boolean abandoned;
    private boolean closed;
    /** A reused connection closed by the upstream was replaced by a fresh one for this request (once). */
    private boolean staleRetried;
    private volatile long firstEventDeadline;

    private FailoverCall(Upstreams upstreams, RetrySettings retry, Requests requests, ReplayBody body,
            BooleanSupplier streamRequest, NanoClock clock, long startNanos, Duration maxDuration,
            Duration firstEventTimeout, Observer observer) {
        this.upstreams = upstreams;
        this.retry = retry;
        this.requests = requests;
        this.body = body;
        this.streamRequest = streamRequest;
        this.clock = clock;
        this.budgetEndNanos = startNanos + maxDuration.toNanos();
        this.firstEventTimeoutNanos = firstEventTimeout.isPositive() ? firstEventTimeout.toNanos() : 0;
        this.observer = observer;
        this.order = upstreams.health().order(startNanos);
        this.sendAtNanos = startNanos;
        this.firstEventDeadline = firstEventTimeoutNanos > 0 ? startNanos + firstEventTimeoutNanos : Long.MAX_VALUE;
    }

    /** A request that arrived at {@code startNanos}, not sent yet ({@link #send}). */
    public static FailoverCall create(Upstreams upstreams, RetrySettings retry, Requests requests, ReplayBody body,
            BooleanSupplier streamRequest, NanoClock clock, long startNanos, Duration maxDuration,
            Duration firstEventTimeout, Observer observer) {
        return new FailoverCall(upstreams, retry, requests, body, streamRequest, clock, startNanos, maxDuration,
                firstEventTimeout, observer);
    }

    /**
     * Sends the request to the first upstream that takes it; failures to connect move on at once.
     * Throws the last failure when no attempt could be sent.
     */
    public void send() throws IOException {
        while (pending && sendAtNanos - clock.nanoTime() <= 0) {
            sendPending();
        }
    }

    @Override
    public boolean awaitResponse(Duration timeout) throws IOException {
        long deadline = clock.nanoTime() + Math.min(timeout.toNanos(), A_YEAR.toNanos());
        while (answer == null) {
            throwIfFailed();
            long now = clock.nanoTime();
            if (pending) {
                long wait = sendAtNanos - now;
                if (wait > deadline - now) {
                    sleep(deadline - now);
                    return false;
                }
                sleep(wait);
                sendPending();
                continue;
            }
            boolean headed;
            try {
                headed = current.awaitResponse(Duration.ofNanos(Math.max(0, deadline - now)));
            } catch (IOException e) {
                failed(e, true);
                continue;
            }
            if (!headed) {
                return false;
            }
            settle(current.response());
        }
        return true;
    }

    @Override
    public UpstreamResponse response() throws IOException {
        while (answer == null) {
            throwIfFailed();
            if (pending) {
                sleep(sendAtNanos - clock.nanoTime());
                sendPending();
                continue;
            }
            UpstreamResponse head;
            try {
                head = current.response();
            } catch (IOException e) {
                failed(e, true);
                continue;
            }
            settle(head);
        }
        return answer;
    }

    /**
     * The stream's body failed, or ended, before its first data event (the client has seen comments
     * only): the next upstream's answer, or null when there is no other attempt to make.
     */
    public UpstreamResponse failOver(IOException failure) throws IOException {
        if (answer == null) {
            throw new IllegalStateException("no answer to fail over from");
        }
        boolean timedOut = takeAbandoned();
        int index = order[position];
        long now = clock.nanoTime();
        upstreams.health().failed(index, now, retry.cooldown().toNanos(), 0);
        String status = "";
        lock.lock();
        try {
            if (!attempts.isEmpty() && attempts.getLast().outcome() == Attempt.Outcome.ANSWERED) {
                status = attempts.removeLast().detail() + " then "; // its answer did not count after all
            }
        } finally {
            lock.unlock();
        }
        record(index, timedOut ? Attempt.Outcome.FIRST_EVENT_TIMEOUT : Attempt.Outcome.FAILED,
                status + (timedOut ? "first_event_timeout" : describe(failure)), now);
        if (Thread.currentThread().isInterrupted() || !moveOn()) {
            return null;
        }
        closeQuietly(answer);
        answer = null;
        return response();
    }

    /**
     * Called by the stream's heartbeat when {@link #firstEventDeadline()} has passed: gives up the
     * silent attempt (its connection is closed, so the scanner's read of it fails and the scanner
     * {@linkplain #failOver fails over}) and returns true, or returns false when no other attempt is
     * allowed, and the stream ends with {@code first_event_timeout}.
     */
    public boolean abandonSilent() {
        UpstreamCall silent;
        lock.lock();
        try {
            long now = clock.nanoTime();
            if (firstEventDeadline - now > 0 || next(now) < 0) {
                return false;
            }
            abandoned = true;
            firstEventDeadline = Long.MAX_VALUE; // until the next attempt is sent
            silent = current;
        } finally {
            lock.unlock();
        }
        closeQuietly(silent);
        return true;
    }

    /** When the attempt now running must have sent its first data event; Long.MAX_VALUE for never. */
    public long firstEventDeadline() {
        return firstEventDeadline;
    }

    /** Every attempt so far, the one that answered last. */
    public List<Attempt> attempts() {
        lock.lock();
        try {
            return List.copyOf(attempts);
        } finally {
            lock.unlock();
        }
    }

    /** The upstream of the attempt now running (or the last one). */
    public String upstream() {
        return upstreams.configs().get(order[position]).name();
    }

    /** Why a failure was not retried ("request body over retry.max_body"), or null. */
    public String notRetried() {
        return notRetried;
    }

    /** {@code "after 2 attempts (a: 429, b: connect_failed)"}, or "" for a single attempt. */
    public String summary() {
        List<Attempt> all = attempts();
        if (all.size() < 2) {
            return "";
        }
        return all.stream().map(a -> a.upstream() + ": " + a.detail())
                .collect(Collectors.joining(", ", "after " + all.size() + " attempts (", ")"));
    }

    /** The first data event reached the client: no attempt can follow, the body copy goes. */
    public void committed() {
        body.discard();
    }

    /** The stream ended normally: the answering connection may be reused ({@link UpstreamResponse#release}). */
    public void release() throws IOException {
        if (answer != null) {
            answer.release();
        }
        close();
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        UpstreamCall last;
        Attempt answered = null;
        try {
            last = current;
            current = null;
            if (!attempts.isEmpty() && attempts.getLast().outcome() == Attempt.Outcome.ANSWERED && !closed) {
                answered = attempts.getLast();
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        if (answered != null) {
            observer.attempted(answered);
        }
        if (answer != null) {
            answer.close();
        }
        if (last != null) {
            last.close();
        }
    }

    private void sendPending() throws IOException {
        int index = order[position];
        RouteUpstream upstream = upstreams.configs().get(index);
        long started = clock.nanoTime();
        pending = false;
        made++;
        UpstreamCall sent;
        try {
            sent = upstreams.clients().get(index).call(requests.build(upstream, body.forAttempt()));
        } catch (RequestBodyException e) {
            throw e; // the client's upload failed: no upstream is at fault
        } catch (UpstreamConnectException e) {
            sentNanos = started;
            failed(e, false);
            return;
        } catch (IOException e) {
            sentNanos = started;
            failed(e, true);
            return;
        }
        lock.lock();
        try {
            current = sent;
            sentNanos = started;
            abandoned = false; // a deadline that passed while no attempt ran gave up nothing
            if (firstEventTimeoutNanos > 0 && !attempts.isEmpty()) {
                firstEventDeadline = started + firstEventTimeoutNanos;
            }
        } finally {
            lock.unlock();
        }
    }

    /** A head arrived: the answer, unless its status is one to retry and another attempt is allowed. */
    private void settle(UpstreamResponse head) throws IOException {
        int index = order[position];
        long now = clock.nanoTime();
        int status = head.status();
        if (retry.statuses().contains(status) && (retriesAfterSending() || RetrySettings.DECLINED.contains(status))) {
            long retryAfter = head.header("Retry-After").flatMap(v -> RetryAfter.parse(v, Instant.now()))
                    .map(Duration::toNanos).orElse(0L);
            upstreams.health().failed(index, now, retry.cooldown().toNanos(), retryAfter);
            if (moveOn()) {
                record(index, Attempt.Outcome.RETRY_STATUS, String.valueOf(status), now);
                closeQuietly(head);
                dropCurrent();
                return;
            }
        } else if (status / 100 == 2) {
            upstreams.health().answered(index);
        }
        record(index, Attempt.Outcome.ANSWERED, String.valueOf(status), now);
        answer = head;
        if (!streamRequest.getAsBoolean() && !head.isEventStream()) {
            body.discard(); // only a stream fails over after its head
        }
    }

    /**
     * An attempt failed before its head: connecting ({@code sent} false: always safe to retry) or
     * after sending (retried for stream requests, or when the route says its upstream is safe).
     */
    private void failed(IOException e, boolean sent) throws IOException {
        boolean timedOut = takeAbandoned();
        if (Thread.currentThread().isInterrupted()) {
            throw e; // the client left or relay is stopping: no attempt is wanted any more
        }
        if (e instanceof StaleConnectionException && !timedOut && !staleRetried && body.replayable()) {
            // not the upstream's failure: the request never reached a working connection
            staleRetried = true;
            made--;
            dropCurrent();
            pending = true;
            sendAtNanos = clock.nanoTime();
            return;
        }
        int index = order[position];
        long now = clock.nanoTime();
        upstreams.health().failed(index, now, retry.cooldown().toNanos(), 0);
        Attempt.Outcome outcome = timedOut ? Attempt.Outcome.FIRST_EVENT_TIMEOUT
                : sent ? Attempt.Outcome.FAILED : Attempt.Outcome.CONNECT_FAILED;
        record(index, outcome, timedOut ? "first_event_timeout" : describe(e), now);
        dropCurrent();
        if ((sent && !timedOut && !retriesAfterSending()) || !moveOn()) {
            failure = withAttempts(e);
            throw failure;
        }
    }

    private void throwIfFailed() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    private boolean retriesAfterSending() {
        return streamRequest.getAsBoolean() || retry.nonStream();
    }

    /** Picks the next attempt and when to send it; false when none is allowed. */
    private boolean moveOn() {
        long now = clock.nanoTime();
        String from = upstream();
        lock.lock();
        try {
            int next = next(now);
            if (next < 0) {
                return false;
            }
            position = next;
        } finally {
            lock.unlock();
        }
        observer.movedOn(from);
        pending = true;
        sendAtNanos = now + upstreams.health().retryAfterLeft(order[position], now);
        return true;
    }

    /** The position of the next attempt, or -1 (with the reason kept in {@link #notRetried}). */
    private int next(long now) {
        if (made >= retry.maxAttempts()) {
            return -1;
        }
        if (!body.replayable()) {
            notRetried = "request body over retry.max_body (" + body.bytesRead() + "+ bytes): sent once, not retried";
            return -1;
        }
        int best = -1;
        long bestWait = Long.MAX_VALUE;
        for (int step = 1; step <= order.length; step++) {
            int p = (position + step) % order.length;
            long wait = upstreams.health().retryAfterLeft(order[p], now);
            if (wait < bestWait) {
                best = p;
                bestWait = wait;
                if (wait == 0) {
                    break;
                }
            }
        }
        if (bestWait > retry.retryAfterMax().toNanos() || now + bestWait - budgetEndNanos >= 0) {
            notRetried = "Retry-After beyond retry.retry_after_max or the request's stream.max_duration";
            return -1;
        }
        return best;
    }

    private void record(int index, Attempt.Outcome outcome, String detail, long endNanos) {
        Attempt attempt = new Attempt(upstreams.configs().get(index).name(), outcome, detail,
                Math.max(0, (endNanos - sentNanos) / 1_000_000));
        lock.lock();
        try {
            attempts.add(attempt);
        } finally {
            lock.unlock();
        }
        if (outcome != Attempt.Outcome.ANSWERED) {
            observer.attempted(attempt); // an answer is told at close: a stream may still fail over from it
        }
    }

    private boolean takeAbandoned() {
        lock.lock();
        try {
            boolean was = abandoned;
            abandoned = false;
            return was;
        } finally {
            lock.unlock();
        }
    }

    private void dropCurrent() {
        UpstreamCall dropped;
        lock.lock();
        try {
            dropped = current;
            current = null;
        } finally {
            lock.unlock();
        }
        closeQuietly(dropped);
    }

    /** The last failure, its type kept (it decides 502 or 504), its message naming every attempt. */
    private IOException withAttempts(IOException e) {
        String summary = summary();
        if (summary.isEmpty()) {
            return e;
        }
        String message = e.getMessage() + "; " + summary;
        IOException named = switch (e) {
            case SocketTimeoutException t -> new SocketTimeoutException(message);
            case UpstreamConnectException c -> new UpstreamConnectException(message);
            default -> new IOException(message);
        };
        named.initCause(e);
        return named;
    }

    private static String describe(IOException e) {
        if (e instanceof UpstreamConnectException) {
            return "connect_failed";
        }
        if (e instanceof SocketTimeoutException) {
            return "timeout";
        }
        if (e instanceof java.io.EOFException) {
            return "closed";
        }
        if (e instanceof java.net.SocketException) {
            return "reset";
        }
        return e.getClass().getSimpleName();
    }

    private static void sleep(long nanos) throws InterruptedIOException {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for an upstream's Retry-After");
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // closed either way
        }
    }
}
