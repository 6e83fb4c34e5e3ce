package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import relay.config.Config;
import relay.config.CorsSettings;
import relay.config.Route;
import relay.ops.AccessLog;
import relay.ops.Metrics;
import relay.stream.ClientDeparture;
import relay.stream.ClientGoneException;
import relay.stream.ClientWriter;
import relay.stream.EndReason;
import relay.time.NanoClock;
import relay.failover.Attempt;
import relay.failover.FailoverCall;
import relay.failover.ReplayBody;
import relay.upstream.RequestBodyException;
import relay.upstream.UpstreamCall;
import relay.upstream.UpstreamResponse;
import relay.watch.ClientWatcher;

/**
 * Handles one client exchange on its own virtual thread, as one path: refuse (what relay answers
 * itself) → forward (the request goes upstream) → commit ({@link CommitPolicy}) → stream
 * ({@link StreamResponder}) or proxy the body ({@link BodyProxy}).
 */
final class ProxyHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger("relay.proxy");
    static final String REQUEST_ID = "X-Relay-Request-Id";
    /** nginx's code for a client that left before its answer; logged, never sent. */
    static final int CLIENT_CLOSED_REQUEST = 499;

    private final Config config;
    private final RouteTable routes;
    private final AccessLog accessLog;
    private final NanoClock clock;
    private final Admission admission;
    private final Metrics metrics;
    private final ClientAuth auth;
    private final Refusals refusals;
    private final CommitPolicy commitPolicy;
    private final UpstreamFailures failures;
    private final StreamResponder streams;
    private final ClientWatcher watcher;
    private final KeyLimits keyLimits;
    private final JsonKeepAlive keepAlive;
    private final CorsPolicy cors = new CorsPolicy();

    ProxyHandler(Config config, RouteTable routes, AccessLog accessLog, NanoClock clock, TrackedThreads streamThreads,
            Admission admission, BooleanSupplier draining, Metrics metrics, ClientWatcher watcher) {
        this.config = config;
        this.routes = routes;
        this.accessLog = accessLog;
        this.clock = clock;
        this.admission = admission;
        this.metrics = metrics;
        this.auth = new ClientAuth(config.server().clientKeys());
        this.keyLimits = new KeyLimits(config.server().clientKeys(), metrics);
        this.keepAlive = new JsonKeepAlive(config, clock);
        this.refusals = new Refusals(metrics, auth, draining);
        this.watcher = watcher;
        this.commitPolicy = new CommitPolicy(config, clock);
        this.failures = new UpstreamFailures(config);
        this.streams = new StreamResponder(config, clock, streamThreads, metrics);
    }

    @Override
    public void handle(HttpExchange exchange) {
        ExchangeRecord record = new ExchangeRecord(exchange, clock);
        // one id for this exchange in relay's log, the upstream's request and the client's response
        exchange.getResponseHeaders().set(REQUEST_ID, record.requestId);
        try (exchange) {
            if (refusals.refusedBeforeRouting(exchange, record)) {
                return;
            }
            List<BoundRoute> candidates = routes.candidates(exchange.getRequestURI().getPath());
            // the first route of the prefix answers for CORS: a preflight carries no body, so no model
            CorsSettings routeCors = candidates.isEmpty() ? CorsSettings.NONE : candidates.getFirst().route().cors();
            if (routeCors.enabled()) {
                record.route = candidates.getFirst().route().prefix();
                if (CorsPolicy.isPreflight(exchange)) {
                    CorsPolicy.answerPreflight(exchange, record, routeCors);
                    return;
                }
                CorsPolicy.decorate(exchange, routeCors);
            }
            if (refusals.refusedByAuth(exchange, record)) {
                return;
            }
            if (candidates.isEmpty()) {
                refusals.noRoute(exchange, record);
                return;
            }
            record.route = candidates.getFirst().route().prefix();
            if (!keyLimits.tryEnter(record.clientKey)) {
                refusals.keyOverLimit(exchange, record, record.clientKey);
                return;
            }
            try {
                if (!admission.tryEnter()) {
                    refusals.overloaded(exchange, record, admission.limit());
                    return;
                }
                try {
                    forward(exchange, candidates, record);
                } finally {
                    admission.leave();
                }
            } finally {
                keyLimits.leave(record.clientKey);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "exchange failed", e);
            record.reason = EndReason.INTERNAL_ERROR;
            record.failed(e.toString());
        } finally {
            metrics.exchangeEnded(record.route, record.status, record.bytesIn, record.bytesOut());
            accessLog.record(record.toLog(clock));
        }
    }

    /**
     * Reads as much of the body as deciding needs (its stream flag; its model, when a route of the
     * path selects by model), picks the first of {@code candidates} that takes the model, and sends.
     */
    private void forward(HttpExchange exchange, List<BoundRoute> candidates, ExchangeRecord record) {
        long contentLength = RequestForwarding.contentLength(exchange.getRequestHeaders());
        if (contentLength > config.server().maxBody()) {
            refusals.tooLarge(exchange, record, config.server().maxBody());
            return;
        }
        boolean byModel = candidates.stream().anyMatch(c -> !c.route().match().models().isEmpty());
        RequestBody body;
        try {
            body = RequestBody.open(exchange.getRequestBody(), contentLength, config.server().maxBody(), byModel);
        } catch (RequestBodyException e) {
            bodyFailed(exchange, record, e);
            return;
        }
        record.model = body.model();
        Optional<BoundRoute> bound = candidates.stream().filter(c -> c.route().match().takesModel(body.model()))
                .findFirst();
        if (bound.isEmpty()) {
            refusals.noRouteForModel(exchange, record, body.model());
            return;
        }
        record.route = bound.get().route().prefix();
        send(exchange, bound.get(), body, contentLength, record);
    }

    private void bodyFailed(HttpExchange exchange, ExchangeRecord record, RequestBodyException e) {
        if (e.getCause() instanceof BodyTooLargeException) {
            refusals.tooLarge(exchange, record, config.server().maxBody());
        } else {
            record.reason = EndReason.CLIENT_GONE;
            record.status = CLIENT_CLOSED_REQUEST;
        }
    }

    private void send(HttpExchange exchange, BoundRoute bound, RequestBody body, long contentLength,
            ExchangeRecord record) {
        Route route = bound.route();
        Optional<String> upstreamPath = route.match().upstreamPath(route.prefix(), exchange.getRequestURI().getRawPath());
        if (upstreamPath.isEmpty()) {
            refusals.unmappablePath(exchange, record, route.prefix());
            return;
        }
        boolean keepsAlive = keepAlive.applies(exchange, route);
        FailoverCall call;
        try {
            boolean asksWithoutBody = StreamIntent.acceptsOnlyEventStream(exchange.getRequestHeaders())
                    || StreamIntent.pathAsksForStream(exchange.getRequestURI());
            boolean askedBeforeSending = asksWithoutBody || body.asksForStream();
            record.stream = askedBeforeSending;
            // a body relay may have to write after its own 200 must come uncompressed, or be decoded
            boolean identity = askedBeforeSending || keepsAlive;
            // kept for another upstream, and for a pooled connection the upstream closed meanwhile
            ReplayBody replay = new ReplayBody(body.stream(), route.retry().maxBody(), contentLength);
            call = FailoverCall.create(bound.upstreams(), route.retry(),
                    (upstream, stream) -> RequestForwarding.build(exchange, upstreamPath.get(), route.headersFor(upstream),
                            stream, contentLength, identity, auth.enabled(), record.requestId),
                    replay, () -> asksWithoutBody || body.asksForStream(), clock, record.startNanos,
                    route.maxDuration(config.stream()), route.firstEventTimeout(config.stream()), observer(route));
            record.attempts = call;
            try {
                call.send();
            } finally {
                record.bytesIn = body.bytesRead();
            }
            // the whole body has been read now: its verdict is final (a later duplicate "stream" key wins)
            record.stream = asksWithoutBody || body.asksForStream();
            if (record.model == null) {
                record.model = body.model();
            }
        } catch (RequestBodyException e) {
            if (record.attempts != null) {
                closeQuietly(record.attempts);
            }
            bodyFailed(exchange, record, e);
            return;
        } catch (IOException e) {
            if (record.attempts != null) {
                closeQuietly(record.attempts); // every attempt failed: what is left of them goes
            }
            failures.answer(exchange, route, e, record);
            return;
        }
        boolean handedOver = false;
        // A stream request is watched from here to its end; a non-stream one once it is a long call.
        ClientDeparture departure = record.stream ? watcher.watch(exchange) : ClientDeparture.UNWATCHED;
        try {
            if (commitPolicy.commitsFirst(call, bound.route(), record.stream && !cors.holdsEarlyCommit(exchange, route),
                    record.startNanos, departure)) {
                handedOver = true;
                streamBeforeHeaders(exchange, bound.route(), call, record, departure);
                return;
            }
            UpstreamResponse response;
            try {
                if (!record.stream && keepsAlive && !cors.holdsEarlyCommit(exchange, route)
                        && !call.awaitResponse(commitPolicy.graceLeft(route, record.startNanos))) {
                    keepAlive.respond(exchange, route, call, record, watcher.watch(exchange));
                    return;
                }
                response = record.stream ? streamResponse(call, departure) : nonStreamResponse(exchange, route, call, record);
            } catch (IOException e) {
                departure.close();
                failures.answer(exchange, route, e, record);
                return;
            }
            upstreamAnswered(response, clock.nanoTime(), record);
            metrics.upstreamHeaders((record.upstreamHeadersNanos - record.startNanos) / 1e9);
            StreamDecoding decoding = StreamDecoding.of(response);
            if (UpstreamAnswer.isEventStream(response) && relayable(decoding, response, record)) {
                ResponseHeaders.copy(response.headers(), exchange.getResponseHeaders(), route.cors().enabled());
                if (decoding != StreamDecoding.IDENTITY) {
                    exchange.getResponseHeaders().remove("Content-Encoding"); // relay decodes it
                }
                handedOver = true;
                if (!record.stream) {
                    departure = watcher.watch(exchange); // an event stream nobody asked for is a stream all the same
                }
                streams.respond(exchange, route, response.status(),
                        UpstreamBody.answered(call, response, checkedAnswer(exchange, route, call), clock), record,
                        departure);
            } else {
                departure.close(); // before the response ends: the JDK may then give the connection to the next request
                BodyProxy.proxy(exchange, response, record, route.cors().enabled());
            }
        } catch (ClientGoneException e) {
            record.reason = EndReason.CLIENT_GONE;
            record.status = CLIENT_CLOSED_REQUEST;
        } finally {
            departure.close();
            if (!handedOver) {
                closeQuietly(call);
            }
        }
    }

    /** The head the grace wait already read, or a wait for it that the client's departure cuts short. */
    private UpstreamResponse streamResponse(UpstreamCall call, ClientDeparture departure)
            throws IOException, ClientGoneException {
        return departure.cutShort(call::response);
    }

    /**
     * A non-stream call answered within {@code ping.header_grace} costs what it always did; past the
     * grace it is a long call, and its client is watched until the upstream's head arrives.
     */
    private UpstreamResponse nonStreamResponse(HttpExchange exchange, Route route, UpstreamCall call,
            ExchangeRecord record)
            throws IOException, ClientGoneException {
        if (!watcher.active() || call.awaitResponse(commitPolicy.graceLeft(route, record.startNanos))) {
            return call.response();
        }
        try (ClientDeparture departure = watcher.watch(exchange)) {
            return departure.cutShort(call::response);
        }
    }

    /** An event stream in an encoding relay cannot decode is proxied untouched, without pings. */
    private boolean relayable(StreamDecoding decoding, UpstreamResponse response, ExchangeRecord record) {
        if (decoding != StreamDecoding.UNSUPPORTED) {
            return true;
        }
        String why = "event stream with Content-Encoding " + response.header("Content-Encoding").orElse("")
                + " relayed untouched, without pings";
        LOG.log(Level.WARNING, why);
        metrics.refused("undecodable_stream");
        record.failed(why);
        return false;
    }

    /** The upstream is still silent after the grace: commit 200 now and keep the client alive. */
    private void streamBeforeHeaders(HttpExchange exchange, Route route, FailoverCall call, ExchangeRecord record,
            ClientDeparture departure) {
        UpstreamBody.Late checked = checkedAnswer(exchange, route, call);
        UpstreamBody upstream = UpstreamBody.late(call, (response, writer) -> {
            metrics.upstreamHeaders((clock.nanoTime() - record.startNanos) / 1e9);
            checked.accept(response, writer);
        }, clock);
        streams.respond(exchange, route, 200, upstream, record, departure);
        if (upstream.lateResponse() != null) {
            upstreamAnswered(upstream.lateResponse(), upstream.lateNanos(), record);
        }
    }

    /**
     * For an answer that arrives after relay committed its own 200 (late, or from the upstream that
     * took over a failed stream): it must be an event stream, or the client gets an error event that
     * says what the upstreams answered.
     */
    private UpstreamBody.Late checkedAnswer(HttpExchange exchange, Route route, FailoverCall call) {
        return (response, writer) -> {
            if (!UpstreamAnswer.isEventStream(response)) {
                String summary = call.summary();
                // the secrets list is built only for a failure, not for every stream
                throw new UpstreamFailedException(UpstreamAnswer.failureMessage(response, secrets(route))
                        + (summary.isEmpty() ? "" : "; " + summary));
            }
            tellLateHeaders(exchange, response, writer);
        };
    }

    private FailoverCall.Observer observer(Route route) {
        return new FailoverCall.Observer() {
            @Override
            public void attempted(Attempt attempt) {
                metrics.upstreamAttempt(route.prefix(), attempt.upstream(), attempt.outcome().code());
            }

            @Override
            public void movedOn(String fromUpstream) {
                metrics.failover(route.prefix(), fromUpstream);
            }
        };
    }

    private static void tellLateHeaders(HttpExchange exchange, UpstreamResponse response, ClientWriter writer)
            throws IOException, InterruptedException {
        byte[] notice = UpstreamAnswer.lateHeadersNotice(response);
        if (notice != null) {
            writer.writeNotice(notice);
            LOG.log(Level.INFO, "late upstream headers for {0}: {1}", exchange.getRequestURI().getRawPath(),
                    new String(notice, StandardCharsets.UTF_8).trim());
        }
    }

    private void upstreamAnswered(UpstreamResponse response, long atNanos, ExchangeRecord record) {
        record.upstreamHeadersNanos = atNanos;
        record.upstreamRequestId = response.header("x-request-id").or(() -> response.header("request-id")).orElse(null);
    }

    /** Values that must never reach a client in relay's own messages: the route's and clients' keys. */
    private List<String> secrets(Route route) {
        List<String> secrets = new ArrayList<>(config.server().keyValues());
        List<String> values = new ArrayList<>(route.headers().values());
        route.upstreams().forEach(upstream -> values.addAll(upstream.headers().values()));
        for (String value : values) {
            secrets.add(value);
            int space = value.indexOf(' ');
            if (space > 0 && space < value.length() - 1) {
                secrets.add(value.substring(space + 1).trim()); // the token of "Bearer <token>"
            }
        }
        return secrets;
    }

    private static void closeQuietly(FailoverCall call) {
        try {
            call.close();
        } catch (IOException e) {
            // closed either way
        }
    }
}
