package relay.stream;

import java.nio.charset.StandardCharsets;
import relay.time.NanoClock;

/**
 * The pinger subtask, and the one owner of the stream's deadlines. It sleeps until the earliest of:
 * the next ping ({@code ping.interval} after the last write to the client, so a client never sees
 * more than one interval of silence and a busy stream is never pinged), the idle deadline
 * ({@code stream.idle_timeout} after the upstream's last byte), {@code stream.max_duration}
 * after the stream began, and (until the first data event) {@code stream.first_event_timeout}
 * after the request arrived. It runs on routes without pings too, then only for the deadlines: the
 * upstream socket then needs no read timeout during a stream. Its sleep is a wait on the client's
 * {@link ClientDeparture}, so a client that leaves ends the stream at once, silent or not.
 */
final class Heartbeat {
    private final ClientWriter writer;
    private final byte[] ping;
    private final long intervalNanos;
    private final long idleNanos;
    private final long endNanos;
    private final NanoClock clock;
    private final UpstreamActivity activity;
    private final ClientDeparture departure;
    private final long firstEventDeadline;
    private final BodySource source;

    Heartbeat(ClientWriter writer, StreamOptions options, NanoClock clock, UpstreamActivity activity,
            ClientDeparture departure, BodySource source) {
        this.source = source;
        this.writer = writer;
        this.ping = options.ping() ? pingBytes(options.pingComment()) : null;
        this.intervalNanos = options.pingInterval().toNanos();
        this.idleNanos = options.idleTimeout().toNanos();
        this.endNanos = clock.nanoTime() + options.maxDuration().toNanos();
        this.clock = clock;
        this.activity = activity;
        this.departure = departure;
        this.firstEventDeadline = options.firstEventDeadlineNanos();
    }

    static byte[] pingBytes(String comment) {
        return (": " + comment + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    StreamEnd run() throws InterruptedException {
        try {
            while (true) {
                long now = clock.nanoTime();
                long untilIdle = activity.lastReadNanos() + idleNanos - now;
                long untilEnd = endNanos - now;
                if (untilIdle <= 0) {
                    return StreamEnd.of(EndReason.IDLE_TIMEOUT);
                }
                if (untilEnd <= 0) {
                    return StreamEnd.of(EndReason.MAX_DURATION);
                }
                long wait = Math.min(untilIdle, untilEnd);
                long firstEvent = writer.eventWritten() ? StreamOptions.NO_DEADLINE
                        : source.firstEventDeadline(firstEventDeadline);
                if (firstEvent != StreamOptions.NO_DEADLINE && firstEvent != Long.MAX_VALUE) {
                    long untilFirst = firstEvent - now;
                    if (untilFirst <= 0) {
                        if (source.abandonSilent()) {
                            continue; // another upstream takes over, with a deadline of its own
                        }
                        return StreamEnd.of(EndReason.FIRST_EVENT_TIMEOUT);
                    }
                    wait = Math.min(wait, untilFirst);
                }
                if (ping != null) {
                    wait = Math.min(wait, writer.lastWriteNanos() + intervalNanos - now);
                }
                if (wait > 0 && departure.awaitGone(clock, wait)) {
                    return StreamEnd.of(EndReason.CLIENT_GONE);
                }
                if (ping != null) {
                    writer.pingIfDue(ping, intervalNanos);
                }
            }
        } catch (ClientWriteException e) {
            return StreamEnd.of(e.reason());
        }
    }
}
