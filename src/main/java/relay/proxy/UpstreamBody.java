package relay.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import relay.stream.BodySource;
import relay.stream.ClientWriter;
import relay.time.NanoClock;
import relay.failover.FailoverCall;
import relay.upstream.UpstreamResponse;

/**
 * The upstream side of one relayed stream, handed to the stream's scanner subtask, which then owns
 * the upstream connection: either an answer already read within the header grace, or (when relay
 * committed its own 200 first) an answer still to wait for, inside the stream's scope where the
 * heartbeat pings and enforces {@code stream.idle_timeout}.
 */
final class UpstreamBody implements BodySource {
    private static final Duration HEAD_WAIT = Duration.ofMinutes(10);

    private final FailoverCall call;
    private final UpstreamResponse answered;
    private final Late late;
    private final NanoClock clock;
    /** Set by the scanner thread when a late answer arrives; read by the exchange after the stream. */
    private volatile UpstreamResponse lateResponse;
    private volatile long lateNanos;

    /** What the stream does with an answer that arrived after relay committed, or after a failover. */
    interface Late {
        /** Checks the answer (throws {@link UpstreamFailedException} if it is no event stream) and tells the client what it can. */
        void accept(UpstreamResponse response, ClientWriter writer) throws IOException, InterruptedException;
    }

    private UpstreamBody(FailoverCall call, UpstreamResponse answered, Late late, NanoClock clock) {
        this.call = call;
        this.answered = answered;
        this.late = late;
        this.clock = clock;
    }

    /** {@code failedOver} checks the answer of an upstream that took over after the first one's stream failed. */
    static UpstreamBody answered(FailoverCall call, UpstreamResponse response, Late failedOver, NanoClock clock) {
        return new UpstreamBody(call, response, failedOver, clock);
    }

    static UpstreamBody late(FailoverCall call, Late late, NanoClock clock) {
        return new UpstreamBody(call, null, late, clock);
    }

    /** The answer that arrived after relay committed, or null (none, or it was already there). */
    UpstreamResponse lateResponse() {
        return lateResponse;
    }

    long lateNanos() {
        return lateNanos;
    }

    @Override
    public InputStream open(ClientWriter writer) throws IOException, InterruptedException {
        UpstreamResponse response = answered;
        if (response == null) {
            while (!call.awaitResponse(HEAD_WAIT)) {
                // no per-read idle timeout here: the stream's heartbeat owns it and cancels this wait
            }
            response = call.response();
            lateNanos = clock.nanoTime();
            lateResponse = response;
            late.accept(response, writer);
        }
        return decoded(response);
    }

    @Override
    public InputStream failOver(ClientWriter writer, IOException failure) throws IOException, InterruptedException {
        UpstreamResponse response = call.failOver(failure);
        if (response == null) {
            return null;
        }
        lateNanos = clock.nanoTime();
        lateResponse = response;
        late.accept(response, writer);
        return decoded(response);
    }

    @Override
    public void committed() {
        call.committed();
    }

    @Override
    public void finished() throws IOException {
        call.release();
    }

    @Override
    public long firstEventDeadline(long configured) {
        return call.firstEventDeadline();
    }

    @Override
    public boolean abandonSilent() {
        return call.abandonSilent();
    }

    private static InputStream decoded(UpstreamResponse response) throws IOException {
        StreamDecoding decoding = StreamDecoding.of(response);
        if (decoding == StreamDecoding.UNSUPPORTED) {
            throw new UpstreamFailedException("upstream sent its event stream with Content-Encoding: "
                    + response.header("Content-Encoding").orElse("") + ", which relay cannot decode");
        }
        response.clearReadTimeout(); // from here the stream's heartbeat owns stream.idle_timeout
        return decoding.decode(response.body());
    }

    @Override
    public void close() throws IOException {
        call.close();
    }
}
