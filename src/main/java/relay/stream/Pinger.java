package relay.stream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The pinger subtask: sleeps until {@code interval} has passed since the last write to the client,
 * then writes a comment line. Counting from the last write, not on a fixed tick, means a client never
 * sees more than one interval of silence and a busy stream is never pinged. It ends only when the
 * client fails, when the upstream has been silent for {@code stream.idle_timeout}, or when the scope
 * cancels it.
 */
final class Pinger {
    private final ClientWriter writer;
    private final byte[] ping;
    private final long intervalNanos;
    private final NanoClock clock;
    private final UpstreamActivity activity;
    private final long idleNanos;

    Pinger(ClientWriter writer, String comment, Duration interval, NanoClock clock, UpstreamActivity activity,
            Duration idleTimeout) {
        this.writer = writer;
        this.ping = pingBytes(comment);
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
        this.activity = activity;
        this.idleNanos = idleTimeout.toNanos();
    }

    static byte[] pingBytes(String comment) {
        return (": " + comment + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    StreamEnd run() throws InterruptedException {
        long due = writer.lastWriteNanos() + intervalNanos;
        try {
            while (true) {
                long now = clock.nanoTime();
                long untilIdle = activity.lastReadNanos() + idleNanos - now;
                if (untilIdle <= 0) {
                    return StreamEnd.of(EndReason.IDLE_TIMEOUT);
                }
                long wait = Math.min(due - now, untilIdle);
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait));
                }
                due = writer.pingIfDue(ping, intervalNanos);
            }
        } catch (ClientWriteException e) {
            return StreamEnd.of(writer.stalled() ? EndReason.WRITE_TIMEOUT : EndReason.CLIENT_GONE);
        } catch (java.io.IOException e) {
            return StreamEnd.of(EndReason.CLIENT_GONE);
        }
    }
}
