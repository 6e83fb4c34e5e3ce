package relay.stream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The pinger subtask: sleeps until {@code interval} has passed since the last write to the client,
 * then writes a comment line. Counting from the last write, not on a fixed tick, means a client never
 * sees more than one interval of silence and a busy stream is never pinged. It ends only when the
 * client fails (or when the scope cancels it).
 */
final class Pinger {
    private final ClientWriter writer;
    private final byte[] ping;
    private final long intervalNanos;
    private final NanoClock clock;

    Pinger(ClientWriter writer, String comment, Duration interval, NanoClock clock) {
        this.writer = writer;
        this.ping = pingBytes(comment);
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    static byte[] pingBytes(String comment) {
        return (": " + comment + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    StreamEnd run() throws InterruptedException {
        long due = writer.lastWriteNanos() + intervalNanos;
        try {
            while (true) {
                long wait = due - clock.nanoTime();
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
