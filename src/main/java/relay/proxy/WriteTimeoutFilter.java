package relay.proxy;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import relay.time.NanoClock;

/**
 * Puts every response body relay writes (streams, proxied bodies, relay's own errors, /metrics)
 * under the {@link WriteWatchdog}, so a client that stops reading holds no thread, no
 * {@code max_streams} slot and no upstream socket for longer than {@code ping.write_timeout}.
 */
final class WriteTimeoutFilter extends Filter {
    private final WriteWatchdog watchdog;
    private final NanoClock clock;

    WriteTimeoutFilter(WriteWatchdog watchdog, NanoClock clock) {
        this.watchdog = watchdog;
        this.clock = clock;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        TimedOutputStream out = new TimedOutputStream(exchange.getResponseBody(), clock);
        exchange.setStreams(null, out);
        watchdog.watch(out);
        try {
            chain.doFilter(exchange);
        } finally {
            watchdog.forget(out);
        }
    }

    @Override
    public String description() {
        return "bounds every client write by ping.write_timeout";
    }
}
