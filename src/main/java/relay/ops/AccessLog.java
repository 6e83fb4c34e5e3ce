package relay.ops;

import java.io.PrintStream;
import java.time.Instant;
import java.time.InstantSource;

/** Writes one line per exchange when it ends. Paths are logged without their query string (it may hold secrets). */
public final class AccessLog {
    private final PrintStream out;
    private final InstantSource clock;

    public AccessLog(PrintStream out, InstantSource clock) {
        this.out = out;
        this.clock = clock;
    }

    public void record(ExchangeLog entry) {
        Instant now = clock.instant();
        out.println(now + " " + entry.method() + " " + entry.path()
                + " route=" + entry.route()
                + " status=" + entry.status()
                + " stream=" + entry.stream()
                + " reason=" + entry.reason()
                + " duration_ms=" + entry.durationMs()
                + " upstream_headers_ms=" + entry.upstreamHeadersMs()
                + " events=" + entry.events()
                + " pings=" + entry.pings()
                + " bytes=" + entry.bytes());
    }

    public void info(String message) {
        out.println(clock.instant() + " " + message);
    }
}
