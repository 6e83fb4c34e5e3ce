package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.time.Duration;
import relay.config.Config;
import relay.config.DurationFormat;
import relay.config.Route;
import relay.stream.ClientDeparture;
import relay.stream.ClientGoneException;
import relay.stream.EndReason;
import relay.stream.StreamCounters;
import relay.stream.WriteTimeoutException;
import relay.time.NanoClock;
import relay.upstream.UpstreamCall;
import relay.upstream.UpstreamResponse;

/**
 * {@code keepalive_json}: a non-stream JSON call that the upstream has not answered within the
 * header grace is committed as {@code 200 application/json}, and one space is written every ping
 * interval until the upstream's body follows. JSON allows whitespace before a value, so every JSON
 * parser reads the body as the upstream wrote it; the cost is that the upstream's status and
 * headers come too late to send, and a late error arrives as a 200 whose body is the error JSON.
 * The wait is bounded like a stream's: {@code idle_timeout} without an upstream answer and
 * {@code max_duration} in all end it with relay's own error JSON.
 */
final class JsonKeepAlive {
    private static final System.Logger LOG = System.getLogger("relay.proxy");
    private static final byte[] SPACE = {' '};
    private static final int COPY_BUFFER = 8192;

    private final Config config;
    private final NanoClock clock;

    JsonKeepAlive(Config config, NanoClock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** The route opted in and pings, and the request is a JSON POST (what SDKs send for a non-stream call). */
    boolean applies(HttpExchange exchange, Route route) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        return route.keepaliveJson() && config.ping().enabled() && route.ping()
                && exchange.getRequestMethod().equals("POST") && type != null
                && type.toLowerCase(java.util.Locale.ROOT).contains("json");
    }

    /**
     * Commits 200 and keeps the client alive until the upstream answers, then writes its body;
     * {@code departure} is closed before the body is written. The caller closes {@code call}.
     */
    void respond(HttpExchange exchange, Route route, UpstreamCall call, ExchangeRecord record,
            ClientDeparture departure) {
        record.status = 200;
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
        long pings = 0;
        try {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.flush();
            Duration interval = route.pingInterval(config.ping());
            long idleEnd = record.startNanos + route.idleTimeout(config.stream()).toNanos();
            long end = record.startNanos + route.maxDuration(config.stream()).toNanos();
            while (true) {
                long now = clock.nanoTime();
                if (now - Math.min(idleEnd, end) >= 0) {
                    departure.close();
                    boolean idle = idleEnd - end <= 0;
                    record.reason = idle ? EndReason.IDLE_TIMEOUT : EndReason.MAX_DURATION;
                    String message = idle
                            ? "upstream did not answer within stream.idle_timeout ("
                                    + DurationFormat.format(route.idleTimeout(config.stream())) + ")"
                            : "call reached stream.max_duration (" + DurationFormat.format(route.maxDuration(config.stream()))
                                    + ")";
                    record.failed(message);
                    writeError(out, record, message, idle ? "upstream_timeout" : "max_duration");
                    return;
                }
                Duration slice = Duration.ofNanos(Math.min(interval.toNanos(), Math.min(idleEnd, end) - now));
                if (departure.cutShort(() -> call.awaitResponse(slice))) {
                    break;
                }
                if (clock.nanoTime() - Math.min(idleEnd, end) < 0) {
                    out.write(SPACE);
                    out.flush();
                    pings++;
                    record.bytes++;
                }
            }
            UpstreamResponse response = departure.cutShort(call::response);
            departure.close(); // before the response ends: the JDK may then give the connection to the next request
            record.upstreamHeadersNanos = clock.nanoTime();
            if (response.status() >= 300) {
                // the client sees 200 and this body: the log keeps what the upstream really said
                record.failed("upstream answered " + response.status() + " after relay committed 200 (keepalive_json)");
            }
            copyBody(response, out, record);
        } catch (ClientGoneException e) {
            record.reason = EndReason.CLIENT_GONE; // its 200 was sent: the status stays
        } catch (WriteTimeoutException e) {
            record.reason = EndReason.WRITE_TIMEOUT;
        } catch (IOException e) {
            departure.close();
            if (record.reason == null && e instanceof SocketTimeoutException) {
                record.reason = EndReason.IDLE_TIMEOUT;
            }
            if (record.reason == null) {
                record.reason = EndReason.UPSTREAM_ERROR;
                record.failed(e.getMessage());
                try {
                    writeError(exchange.getResponseBody(), record, "upstream request failed: " + e.getMessage(),
                            "upstream_error");
                } catch (IOException gone) {
                    record.reason = EndReason.CLIENT_GONE;
                }
            }
        } finally {
            departure.close();
            record.counters = new StreamCounters(0, pings, record.bytes, 0);
        }
    }

    private static void copyBody(UpstreamResponse response, OutputStream out, ExchangeRecord record)
            throws IOException {
        StreamDecoding decoding = StreamDecoding.of(response);
        if (decoding == StreamDecoding.UNSUPPORTED) {
            String why = "upstream answered with Content-Encoding " + response.header("Content-Encoding").orElse("")
                    + ", which relay cannot decode after committing 200 (keepalive_json)";
            LOG.log(Level.WARNING, why);
            record.reason = EndReason.UPSTREAM_ERROR;
            record.failed(why);
            writeError(out, record, why, "upstream_error");
            return;
        }
        InputStream in = decoding.decode(response.body());
        byte[] buffer = new byte[COPY_BUFFER];
        int n;
        while ((n = in.read(buffer)) != -1) {
            out.write(buffer, 0, n);
            record.bytes += n;
            if (in.available() == 0) {
                out.flush();
            }
        }
        record.reason = EndReason.EOF;
    }

    /** relay's own failure, as the whole JSON value after the spaces: an OpenAI-style error object. */
    private static void writeError(OutputStream out, ExchangeRecord record, String message, String code)
            throws IOException {
        byte[] body = ErrorEvent.openAiJson(message, "relay_error", code);
        out.write(body);
        out.flush();
        record.bytes += body.length;
    }
}
