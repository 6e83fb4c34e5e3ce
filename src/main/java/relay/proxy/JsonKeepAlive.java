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
        return route.keepaliveJson() && route.pings(config.ping())
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
        Client client = new Client(exchange, record);
        boolean bodyStarted = false;
        try {
            exchange.sendResponseHeaders(200, 0);
            client.flush();
            if (!awaitAnswer(route, call, record, departure, client)) {
                return;
            }
            UpstreamResponse response = departure.cutShort(call::response);
            departure.close(); // before the response ends: the JDK may then give the connection to the next request
            record.upstreamHeadersNanos = clock.nanoTime();
            if (response.status() >= 300) {
                // the client sees 200 and this body: the log keeps what the upstream really said
                record.failed("upstream answered " + response.status() + " after relay committed 200 (keepalive_json)");
            }
            bodyStarted = true;
            copyBody(response, client, record);
        } catch (ClientGoneException e) {
            record.reason = EndReason.CLIENT_GONE; // its 200 was sent: the status stays
        } catch (ClientWriteFailed e) {
            record.reason = e.reason;
        } catch (IOException e) { // the upstream's: its head or its body failed
            departure.close();
            record.reason = e instanceof SocketTimeoutException ? EndReason.IDLE_TIMEOUT : EndReason.UPSTREAM_ERROR;
            record.failed(e.getMessage());
            if (bodyStarted) {
                ExchangeAbort.abort(exchange); // a cut body must not look complete
            } else {
                client.tryError("upstream request failed: " + e.getMessage(), "upstream_error");
            }
        } finally {
            departure.close();
            record.counters = new StreamCounters(0, client.pings, record.bytes, 0);
        }
    }

    /**
     * Writes a space every interval until the upstream's head arrives (true), or ends the call at
     * {@code idle_timeout} (from the request, with no answer) or {@code max_duration} with relay's
     * error object (false).
     */
    private boolean awaitAnswer(Route route, UpstreamCall call, ExchangeRecord record, ClientDeparture departure,
            Client client) throws IOException, ClientGoneException, ClientWriteFailed {
        Duration interval = route.pingInterval(config.ping());
        long idleEnd = record.startNanos + route.idleTimeout(config.stream()).toNanos();
        long end = record.startNanos + route.maxDuration(config.stream()).toNanos();
        long first = Math.min(idleEnd, end);
        while (true) {
            long now = clock.nanoTime();
            if (now - first >= 0) {
                departure.close();
                boolean idle = idleEnd - end <= 0;
                record.reason = idle ? EndReason.IDLE_TIMEOUT : EndReason.MAX_DURATION;
                String message = idle
                        ? "upstream did not answer within stream.idle_timeout ("
                                + DurationFormat.format(route.idleTimeout(config.stream())) + ")"
                        : "call reached stream.max_duration (" + DurationFormat.format(route.maxDuration(config.stream()))
                                + ")";
                record.failed(message);
                client.error(message, idle ? "upstream_timeout" : "max_duration");
                return false;
            }
            Duration slice = Duration.ofNanos(Math.min(interval.toNanos(), first - now));
            if (departure.cutShort(() -> call.awaitResponse(slice))) {
                return true;
            }
            if (clock.nanoTime() - first < 0) {
                client.space();
            }
        }
    }

    private static void copyBody(UpstreamResponse response, Client client, ExchangeRecord record)
            throws IOException, ClientWriteFailed {
        StreamDecoding decoding = StreamDecoding.of(response);
        if (decoding == StreamDecoding.UNSUPPORTED) {
            String why = "upstream answered with Content-Encoding " + response.header("Content-Encoding").orElse("")
                    + ", which relay cannot decode after committing 200 (keepalive_json)";
            LOG.log(Level.WARNING, why);
            record.reason = EndReason.UPSTREAM_ERROR;
            record.failed(why);
            client.error(why, "upstream_error");
            return;
        }
        InputStream in = decoding.decode(response.body());
        byte[] buffer = new byte[COPY_BUFFER];
        int n;
        while ((n = in.read(buffer)) != -1) {
            client.write(buffer, n, in.available() == 0);
        }
        record.reason = EndReason.EOF;
    }

    /** A write to the client failed: it left, or stopped reading. */
    private static final class ClientWriteFailed extends Exception {
        final EndReason reason;

        ClientWriteFailed(IOException cause) {
            super(cause);
            this.reason = cause instanceof WriteTimeoutException ? EndReason.WRITE_TIMEOUT : EndReason.CLIENT_GONE;
        }
    }

    /** The client's side: every write counted, and its failures told apart from the upstream's. */
    private static final class Client {
        private final HttpExchange exchange;
        private final ExchangeRecord record;
        long pings;

        Client(HttpExchange exchange, ExchangeRecord record) {
            this.exchange = exchange;
            this.record = record;
        }

        void flush() throws ClientWriteFailed {
            try {
                exchange.getResponseBody().flush();
            } catch (IOException e) {
                throw new ClientWriteFailed(e);
            }
        }

        void space() throws ClientWriteFailed {
            write(SPACE, 1, true);
            pings++;
        }

        void write(byte[] bytes, int length, boolean flush) throws ClientWriteFailed {
            try {
                OutputStream out = exchange.getResponseBody();
                out.write(bytes, 0, length);
                record.bytes += length;
                if (flush) {
                    out.flush();
                }
            } catch (IOException e) {
                throw new ClientWriteFailed(e);
            }
        }

        /** relay's own failure, as the whole JSON value after the spaces: an OpenAI-style error object. */
        void error(String message, String code) throws ClientWriteFailed {
            byte[] body = ErrorEvent.openAiJson(message, "relay_error", code);
            write(body, body.length, true);
        }

        /** The same when the upstream failed: a client that left meanwhile needs nothing more. */
        void tryError(String message, String code) {
            try {
                error(message, code);
            } catch (ClientWriteFailed e) {
                record.reason = e.reason;
            }
        }
    }
}
