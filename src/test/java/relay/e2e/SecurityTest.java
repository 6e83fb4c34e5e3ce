package relay.e2e;

import relay.testing.ErrorShape;
import relay.testing.RawExchange;
import relay.testing.RawExchange.Raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.config.Config;
import relay.config.DemoSettings;
import relay.config.ErrorFormat;
import relay.config.PingSettings;
import relay.config.Route;
import relay.config.RouteTarget;
import relay.config.ServerSettings;
import relay.config.StreamSettings;
import relay.config.UpstreamSettings;
import relay.testing.ProcessRelay;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestUpstream;

/**
 * Issue 5, "Client keys and secrets": client keys are checked and consumed, relay is not an open proxy,
 * and no secret (client key, upstream key, cookie) appears in anything relay writes or answers.
 */
class SecurityTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final String KEY_1 = "ck-test-key-1";
    private static final String KEY_2 = "ck-test-key-2";
    private static final String ROUTE_AUTH = "Bearer sk-upstream-SECRET";

    // ---- client keys ----

    @Test
    void missingOrWrongClientKeyIs401InTheErrorShapeAndNothingIsForwarded() throws Exception {
        try (TestUpstream upstream = new TestUpstream(SecurityTest::okJson);
                RunningRelay relay = new RunningRelay(config(upstream.uri(), List.of(KEY_1, KEY_2),
                        Map.of("Authorization", ROUTE_AUTH)))) {
            List<String[]> refused = List.of(
                    new String[] {},
                    new String[] {"Authorization: Bearer ck-wrong"},
                    new String[] {"x-api-key: ck-wrong"},
                    new String[] {"Authorization: Bearer " + KEY_1 + "x"},
                    new String[] {"Authorization: Bearer " + KEY_1.substring(0, KEY_1.length() - 1)},
                    new String[] {"Authorization: Bearer "},
                    new String[] {"Authorization: " + KEY_1}, // no scheme
                    new String[] {"Authorization: Basic " + KEY_1},
                    new String[] {"x-api-key: "},
                    new String[] {"api-key: " + KEY_1}, // Azure's header is not one relay accepts
                    new String[] {"Authorization: Bearer ck-wrong", "x-api-key: ck-wrong"});
            for (String[] headers : refused) {
                try (TestClient client = relay.client().post("/v1/chat/completions", REQUEST, headers)) {
                    JsonNode error = assertErrorResponse(client, 401, "invalid_api_key");
                    assertFalse(error.toString().contains(KEY_1), "the 401 repeats a key: " + error);
                }
            }
            // a stream request and a GET are refused the same way
            try (TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST)) {
                assertErrorResponse(client, 401, "invalid_api_key");
            }
            try (TestClient client = relay.client().request("GET", "/v1/models", null, "x-api-key: nope")) {
                assertErrorResponse(client, 401, "invalid_api_key");
            }
            TestUpstream.Conn sentinel = assertSentinelIsTheOnlyRequest(relay, upstream, "Authorization: Bearer " + KEY_1);
            assertEquals(List.of(ROUTE_AUTH), sentinel.headers.get("authorization"));
            assertTrue(relay.awaitLog("status=401", WAIT), relay.log());
            assertNoSecrets(relay.log(), KEY_1, KEY_2, "sk-upstream-SECRET");
        }
    }

    // An accepted Bearer or x-api-key client key is consumed and only the route's credentials go upstream;
    // without client keys the client's own pass: PlainHttpProxyTest, which verifies with WireMock.

    @Test
    void xApiKeyIsAcceptedAndConsumedForStreamsToo() throws Exception {
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    if (conn.bodyText().contains("\"stream\":true")) {
                        conn.sseHead().chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end();
                    } else {
                        okJson(conn);
                    }
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri(), List.of(KEY_1),
                        Map.of("Authorization", ROUTE_AUTH)))) {
            try (TestClient client = relay.client().post("/v1/messages", REQUEST, "x-api-key: " + KEY_1,
                    "anthropic-version: 2023-06-01")) {
                assertEquals(200, client.status);
                assertEquals("{}", client.bodyText());
            }
            TestUpstream.Conn conn = upstream.nextConnection(WAIT);
            assertEquals(List.of(ROUTE_AUTH), conn.headers.get("authorization"));
            assertNull(conn.header("x-api-key"), "the client's x-api-key went upstream");
            assertEquals("2023-06-01", conn.header("anthropic-version"), "other headers must still pass");
            assertClientKeysNotIn(conn);

            try (TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST, "X-Api-Key: " + KEY_1)) {
                assertEquals(200, client.status);
                assertEquals("data: {\"n\":1}\n\ndata: [DONE]\n\n", client.bodyText());
            }
            conn = upstream.nextConnection(WAIT);
            assertEquals(List.of(ROUTE_AUTH), conn.headers.get("authorization"));
            assertNull(conn.header("x-api-key"));
            assertClientKeysNotIn(conn);
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
            assertNoSecrets(relay.log(), KEY_1, "sk-upstream-SECRET");
        }
    }

    // ---- not an open proxy ----

    @Test
    void absoluteFormTargetsAreRefusedWith400AndNeverForwarded() throws Exception {
        try (TestUpstream upstream = new TestUpstream(SecurityTest::okJson);
                RunningRelay relay = new RunningRelay(config(upstream.uri(), List.of(), Map.of()))) {
            List<String> targets = List.of(
                    "http://evil.example/v1/x",
                    "https://evil.example/v1/chat/completions",
                    // even one naming the configured upstream itself: the target must be a path
                    "http://127.0.0.1:" + upstream.uri().getPort() + "/v1/models",
                    "//evil.example/v1/x");
            for (String target : targets) {
                Raw response = RawExchange.send(relay.address(), "GET " + target + " HTTP/1.1\r\nHost: evil.example\r\n"
                        + "Connection: close\r\n\r\n");
                assertEquals(400, response.status(), target + "\n" + response.text());
                ErrorShape.assertResponse(response, "invalid_request_target");
            }
            assertSentinelIsTheOnlyRequest(relay, upstream);
            assertTrue(relay.awaitNoThreads(WAIT));
        }
    }

    @Test
    void connectOpensNoTunnelAndReachesNoUpstream() throws Exception {
        try (ServerSocket evil = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
                TestUpstream upstream = new TestUpstream(SecurityTest::okJson);
                RunningRelay relay = new RunningRelay(config(upstream.uri(), List.of(), Map.of()))) {
            // a tunnel to a port that listens, and one to the configured upstream: relay must open neither
            List<String> authorities = List.of("evil.example:443", "127.0.0.1:" + evil.getLocalPort(),
                    "127.0.0.1:" + upstream.uri().getPort());
            for (String target : authorities) {
                Raw response = RawExchange.send(relay.address(), "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
                // refused: a 4xx, or (the JDK server's own doing for an authority-form target) no answer at all
                assertTrue(response.status() == -1 || (response.status() >= 400 && response.status() < 500),
                        "CONNECT " + target + " got " + response.status() + "\n" + response.text());
            }
            // a CONNECT that does reach relay's handler gets its 405
            Raw response = RawExchange.send(relay.address(), "CONNECT /v1/chat/completions HTTP/1.1\r\nHost: relay\r\n\r\n");
            assertEquals(405, response.status(), response.text());
            ErrorShape.assertResponse(response, "method_not_allowed");
            evil.setSoTimeout(1);
            try (Socket tunnel = evil.accept()) {
                throw new AssertionError("relay opened the CONNECT tunnel to " + tunnel.getRemoteSocketAddress());
            } catch (java.net.SocketTimeoutException expected) {
                // nobody connected
            }
            assertSentinelIsTheOnlyRequest(relay, upstream);
            assertTrue(relay.awaitNoThreads(WAIT));
        }
    }

    @Test
    void connectWithAnAuthorityTargetIsClosedWithoutAnyUpstream() throws Exception {
        // The JDK server cannot route "CONNECT host:port" to a handler: it closes the connection. That is
        // the documented behaviour (README, Security); what matters is that no tunnel and no upstream open.
        try (TestUpstream upstream = new TestUpstream(SecurityTest::okJson);
                RunningRelay relay = new RunningRelay(config(upstream.uri(), List.of(), Map.of()))) {
            Raw response = RawExchange.send(relay.address(), "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n");
            assertTrue(response.status() == -1 || response.status() >= 400, "CONNECT got " + response.text());
            assertSentinelIsTheOnlyRequest(relay, upstream);
        }
    }

    @Test
    void hostAndForwardedHeadersDoNotRedirectTraffic() throws Exception {
        try (ServerSocket evil = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
                TestUpstream upstream = new TestUpstream(SecurityTest::okJson);
                RunningRelay relay = new RunningRelay(config(upstream.uri(), List.of(), Map.of()))) {
            String evilAuthority = "127.0.0.1:" + evil.getLocalPort();
            String upstreamAuthority = "127.0.0.1:" + upstream.uri().getPort();
            List<String> headerSets = List.of(
                    "Host: " + evilAuthority,
                    "Host: evil.example",
                    "Host: relay\r\nX-Forwarded-Host: " + evilAuthority,
                    "Host: relay\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Port: 443",
                    "Host: relay\r\nForwarded: host=evil.example;proto=https");
            for (String headers : headerSets) {
                Raw response = RawExchange.send(relay.address(), "GET /v1/models HTTP/1.1\r\n" + headers + "\r\nConnection: close\r\n\r\n");
                assertEquals(200, response.status(), headers + "\n" + response.text());
                TestUpstream.Conn conn = upstream.nextConnection(WAIT);
                assertEquals("/v1/models", conn.target);
                assertEquals(List.of(upstreamAuthority), conn.headers.get("host"), headers);
            }
            evil.setSoTimeout(1);
            try (Socket redirected = evil.accept()) {
                throw new AssertionError("relay sent a request to the host a header named");
            } catch (java.net.SocketTimeoutException expected) {
                // nobody connected
            }
            assertEquals(headerSets.size(), upstream.accepted());
        }
    }

    @Test
    void dotSegmentsCannotLeaveTheRoute() throws Exception {
        // a route only covers its prefix: "/v1/../admin" is "/admin" to the upstream (RFC 3986 §5.2.4), so it
        // must be refused, or reach the upstream in a form that still lies inside the route
        try (TestUpstream upstream = new TestUpstream(SecurityTest::okJson);
                RunningRelay relay = new RunningRelay(config(upstream.uri(), List.of(), Map.of()))) {
            List<String> escaped = new ArrayList<>();
            for (String target : List.of("/v1/../admin", "/v1/%2e%2e/admin", "/v1/./../admin", "/v1/x/../../admin")) {
                Raw response = RawExchange.send(relay.address(), "GET " + target + " HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n");
                if (response.status() >= 400 && response.status() < 500) {
                    continue; // refused
                }
                TestUpstream.Conn conn = upstream.nextConnection(WAIT);
                String normalized = URI.create(conn.target.replaceAll("(?i)%2e", ".")).normalize().getPath();
                if (!normalized.equals("/v1") && !normalized.startsWith("/v1/")) {
                    escaped.add(target + " reached the upstream as " + conn.target + " (that is " + normalized
                            + "; relay answered " + response.status() + ")");
                }
            }
            assertTrue(escaped.isEmpty(), "requests left the route /v1:\n" + String.join("\n", escaped));
        }
    }

    @Test
    void requestSmugglingShapesAreRefusedBeforeAnyUpstream() throws Exception {
        try (TestUpstream upstream = new TestUpstream(SecurityTest::okJson);
                RunningRelay relay = new RunningRelay(config(upstream.uri(), List.of(), Map.of()))) {
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n";
            List<String> requests = List.of(
                    head + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    head + "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
                    head + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                    head + "Content-Length: -1\r\n\r\n");
            for (String request : requests) {
                Raw response = RawExchange.send(relay.address(), request);
                assertTrue(response.status() == -1 || (response.status() >= 400 && response.status() < 600),
                        request + "\n---\n" + response.text());
            }
            assertSentinelIsTheOnlyRequest(relay, upstream);
        }
    }

    @Test
    void traceNeverReflectsTheRoutesCredentialsToTheClient() throws Exception {
        // an upstream that honours TRACE echoes the request it received, route headers included (RFC 9110 §9.3.8)
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    StringBuilder echo = new StringBuilder(conn.method + " " + conn.target + " HTTP/1.1\r\n");
                    conn.headers.forEach((name, values) -> values.forEach(v -> echo.append(name).append(": ")
                            .append(v).append("\r\n")));
                    byte[] body = echo.toString().getBytes(StandardCharsets.UTF_8);
                    conn.head(200, "Content-Type: message/http", "Content-Length: " + body.length).raw(echo.toString());
                });
                RunningRelay relay = new RunningRelay(config(upstream.uri(), List.of(KEY_1),
                        Map.of("Authorization", ROUTE_AUTH)));
                TestClient client = relay.client().request("TRACE", "/v1/models", null, "x-api-key: " + KEY_1)) {
            String answer = client.status + "\n" + client.headers + "\n" + client.bodyText();
            assertFalse(answer.contains("sk-upstream-SECRET"), "TRACE showed the client the upstream's key:\n" + answer);
        }
    }

    @Test
    void upstreamErrorMessagesQuotingTheKeyDoNotReachClientsThroughRelaysOwnErrorEvent() throws Exception {
        // some APIs repeat the credential they were sent in their 401 message; after the commit relay builds
        // the client's error event from that message, and relay's own messages must not carry secrets (§3.5)
        String body = "{\"error\":{\"message\":\"Incorrect API key provided: " + ROUTE_AUTH + "\",\"type\":"
                + "\"invalid_request_error\",\"code\":\"invalid_api_key\"}}";
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    conn.thinkFor(java.time.Duration.ofMillis(400)); // past the 100 ms grace: relay has committed 200 and will write an event
                    conn.head(401, "Content-Type: application/json", "Content-Length: " + body.length()).raw(body);
                });
                RunningRelay relay = new RunningRelay(new Config(Path.of("test.toml"),
                        config(upstream.uri(), List.of(KEY_1), Map.of("Authorization", ROUTE_AUTH)).server(),
                        new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMillis(100), "PING"),
                        UpstreamSettings.DEFAULTS, StreamSettings.DEFAULTS, DemoSettings.DEFAULTS,
                        List.of(new Route("/v1", new RouteTarget.Http(upstream.uri()), Map.of("Authorization", ROUTE_AUTH),
                                true, ErrorFormat.AUTO))));
                TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST,
                        "Authorization: Bearer " + KEY_1)) {
            assertEquals(200, client.status);
            String events = client.bodyText();
            assertTrue(events.contains("\"code\":\"upstream_error\"") && events.contains("401"), events);
            assertNoSecrets(events, "sk-upstream-SECRET");
            assertTrue(relay.awaitLog("reason=upstream_error", WAIT), relay.log());
            assertNoSecrets(relay.log(), "sk-upstream-SECRET", KEY_1);
        }
    }

    // ---- secrets never leak ----

    private static final String CLIENT_SECRET = "ck-CLIENT-SECRET-123";
    private static final String UPSTREAM_SECRET = "sk-UPSTREAM-SECRET-456";
    private static final String COOKIE_SECRET = "COOKIE-SECRET-789";
    private static final List<String> SECRETS = List.of(CLIENT_SECRET, UPSTREAM_SECRET, COOKIE_SECRET);

    @Test
    void noSecretAppearsInAnythingRelayWritesOrAnswers(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String body500 = "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}";
        // relay's own loggers at every level, so that a debug line with a header in it would show
        Path logging = Files.writeString(dir.resolve("logging.properties"), """
                handlers = java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level = ALL
                .level = INFO
                relay.level = ALL
                """);
        StringBuilder everything = new StringBuilder();
        List<TestUpstream.Conn> seen = new ArrayList<>();
        try (TestUpstream upstream = new TestUpstream(conn -> {
                    synchronized (seen) {
                        seen.add(conn);
                    }
                    String path = URI.create(conn.target).getPath();
                    switch (path) {
                        case "/v1/stream" -> conn.sseHead("x-request-id: req-1")
                                .chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end();
                        case "/v1/late" -> {
                            conn.thinkFor(java.time.Duration.ofMillis(300)); // past the 100 ms grace: relay has committed 200 and pings
                            conn.head(500, "Content-Type: application/json", "Content-Length: " + body500.length())
                                    .raw(body500);
                        }
                        case "/v1/slow" -> {
                            conn.thinkFor(java.time.Duration.ofMillis(300)); // an event stream that starts after the grace: relay logs its headers
                            conn.sseHead("x-request-id: req-slow").chunk("data: [DONE]\n\n").end();
                        }
                        case "/v1/reset" -> {
                            conn.sseHead().chunk("data: {\"n\":1}\n\n");
                            conn.reset();
                        }
                        default -> okJson(conn);
                    }
                });
                ProcessRelay relay = ProcessRelay.start(dir, """
                        [server]
                        listen = "127.0.0.1:${PORT}"
                        client_keys = ["%s"]
                        drain_timeout = "1s"
                        [ping]
                        interval = "100ms"
                        header_grace = "100ms"
                        [[routes]]
                        prefix = "/v1"
                        upstream = "%s"
                        headers = { Authorization = "Bearer %s" }
                        [[routes]]
                        prefix = "/dead"
                        upstream = "http://127.0.0.1:%d"
                        headers = { Authorization = "Bearer %s", x-api-key = "%s" }
                        """.formatted(CLIENT_SECRET, upstream.uri(), UPSTREAM_SECRET, closedPort, UPSTREAM_SECRET,
                        UPSTREAM_SECRET), "-Djava.util.logging.config.file=" + logging)) {
            String cookie = "Cookie: session=" + COOKIE_SECRET;
            String bearer = "Authorization: Bearer " + CLIENT_SECRET;
            record Call(String method, String target, String body, int status, String[] headers) {
            }
            List<Call> calls = List.of(
                    new Call("POST", "/v1/chat/completions", REQUEST, 401, new String[] {cookie}),
                    new Call("POST", "/v1/chat/completions", REQUEST, 401,
                            new String[] {cookie, "Authorization: Bearer " + CLIENT_SECRET + "-but-wrong"}),
                    new Call("POST", "/v1/chat/completions", REQUEST, 401,
                            new String[] {cookie, "x-api-key: x" + CLIENT_SECRET}),
                    new Call("POST", "/v1/chat/completions", REQUEST, 401,
                            new String[] {cookie, "Authorization: Bearer " + UPSTREAM_SECRET}),
                    new Call("POST", "/dead/chat/completions", REQUEST, 502, new String[] {cookie, bearer}),
                    new Call("POST", "/dead/chat/completions", STREAM_REQUEST, 502, new String[] {cookie, bearer}),
                    new Call("POST", "/v1/stream", STREAM_REQUEST, 200,
                            new String[] {cookie, "x-api-key: " + CLIENT_SECRET}),
                    new Call("POST", "/v1/late", STREAM_REQUEST, 200, new String[] {cookie, bearer}),
                    new Call("POST", "/v1/slow", STREAM_REQUEST, 200, new String[] {cookie, bearer}),
                    new Call("POST", "/v1/reset", STREAM_REQUEST, 200, new String[] {cookie, bearer}),
                    new Call("GET", "/v1/models?api_key=" + CLIENT_SECRET, null, 200, new String[] {cookie, bearer}),
                    new Call("GET", "/nowhere?token=" + COOKIE_SECRET, null, 404, new String[] {cookie, bearer}));
            for (Call call : calls) {
                try (TestClient client = relay.client().request(call.method, call.target,
                        call.body(), withContentType(call.headers()))) {
                    String text = responseText(client);
                    assertEquals(call.status(), client.status, call.target + ": " + text);
                    everything.append(text).append('\n');
                }
            }
            assertTrue(everything.toString().contains("\"code\":\"upstream_error\""), "the late failure reached the client");
            for (String path : List.of("/healthz", "/readyz", "/metrics")) {
                try (TestClient client = relay.client().request("GET", path, null, cookie, bearer)) {
                    everything.append(responseText(client)).append('\n');
                }
            }
            relay.process().destroy(); // SIGTERM: the drain and stop lines are output too
            assertTrue(relay.process().waitFor(10, TimeUnit.SECONDS), "relay did not stop");
            String output = relay.output();
            assertTrue(logged(output, "reason", "done") && logged(output, "status", "401")
                    && logged(output, "status", "502") && logged(output, "reason", "upstream_error"),
                    "the exchanges were not logged:\n" + output);
            everything.append(output);
        }
        assertNoSecrets(everything.toString(), SECRETS.toArray(String[]::new));
        // and upstream: the route's key went, the client's key and nothing derived from it did not
        synchronized (seen) {
            assertTrue(seen.size() >= 4, "exchanges reached the upstream: " + seen.size());
            for (TestUpstream.Conn conn : seen) {
                assertEquals(List.of("Bearer " + UPSTREAM_SECRET), conn.headers.get("authorization"), conn.target);
                assertNull(conn.header("x-api-key"), conn.target);
                for (Map.Entry<String, List<String>> header : conn.headers.entrySet()) {
                    assertFalse(header.getValue().toString().contains(CLIENT_SECRET),
                            "the client key went upstream in " + header.getKey());
                }
            }
        }
    }

    @Test
    void checkOutputNeverShowsSecretsWhetherTheFileIsValidOrBroken(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("RELAY_CLIENT_KEY", CLIENT_SECRET, "UPSTREAM_KEY", UPSTREAM_SECRET);
        String routes = """
                [[routes]]
                prefix = "/v1"
                upstream = "https://api.openai.com"
                headers = { Authorization = "Bearer %s", Cookie = "session=%s" }
                """;
        Map<String, Integer> files = new LinkedHashMap<>();
        // valid, secrets from the environment and written inline
        files.put("[server]\nclient_keys = [\"${RELAY_CLIENT_KEY}\"]\n"
                + routes.formatted("${UPSTREAM_KEY}", COOKIE_SECRET), 0);
        files.put("[server]\nclient_keys = [\"" + CLIENT_SECRET + "\"]\n" + routes.formatted(UPSTREAM_SECRET,
                COOKIE_SECRET), 0);
        // broken next to, or in, a secret
        files.put("[server]\nclient_keys = [\"" + CLIENT_SECRET + "\", \"\"]\n"
                + routes.formatted(UPSTREAM_SECRET, COOKIE_SECRET), 2);
        files.put("[server]\nclient_keys = [\"" + CLIENT_SECRET + " extra\"]\n"
                + routes.formatted(UPSTREAM_SECRET, COOKIE_SECRET), 2);
        files.put("[server]\nclient_keys = [" + CLIENT_SECRET + "]\n" + routes.formatted(UPSTREAM_SECRET,
                COOKIE_SECRET), 2);
        files.put("[server]\nclient_key = [\"" + CLIENT_SECRET + "\"]\n" + routes.formatted(UPSTREAM_SECRET,
                COOKIE_SECRET), 2);
        files.put("[server]\nclient_keys = \"" + CLIENT_SECRET + "\"\n" + routes.formatted(UPSTREAM_SECRET,
                COOKIE_SECRET), 2);
        files.put(routes.formatted(UPSTREAM_SECRET + "\\n", COOKIE_SECRET), 2);
        files.put(routes.formatted(UPSTREAM_SECRET + "\" x", COOKIE_SECRET), 2);
        files.put(routes.formatted(UPSTREAM_SECRET, COOKIE_SECRET).replace("headers", "header"), 2);
        files.put(routes.formatted(UPSTREAM_SECRET, COOKIE_SECRET)
                .replace("Cookie = ", "authorization = \"Bearer " + UPSTREAM_SECRET + "\", Cookie = "), 2);
        files.put(routes.formatted(UPSTREAM_SECRET, COOKIE_SECRET).replace("Cookie", "Bad Name"), 2);
        files.put(routes.formatted(UPSTREAM_SECRET, COOKIE_SECRET)
                .replace("https://api.openai.com", "https://user:" + UPSTREAM_SECRET + "@api.openai.com"), 2);
        files.put(routes.formatted(UPSTREAM_SECRET, COOKIE_SECRET)
                .replace("https://api.openai.com", "https://api.openai.com/?key=" + UPSTREAM_SECRET), 2);
        files.put(routes.formatted(UPSTREAM_SECRET, COOKIE_SECRET)
                .replace("https://api.openai.com", UPSTREAM_SECRET), 2);
        // the real command once, in its own JVM as an operator runs it ...
        Path first = Files.writeString(dir.resolve("relay.toml"), files.keySet().iterator().next());
        CheckResult real = checkInOwnJvm(first, env);
        assertEquals(0, real.exitCode, real.output);
        assertTrue(real.output.contains("values hidden") && real.output.contains("***"), real.output);
        assertNoSecrets(real.output, SECRETS.toArray(String[]::new));
        // ... and every file through the same command line in this JVM (fast)
        int n = 0;
        for (Map.Entry<String, Integer> file : files.entrySet()) {
            Path path = Files.writeString(dir.resolve("relay-" + n++ + ".toml"), file.getKey());
            CheckResult result = checkInThisJvm(path, env);
            assertEquals((int) file.getValue(), result.exitCode, file.getKey() + "\n" + result.output);
            assertFalse(result.output.isBlank(), file.getKey());
            assertFalse(result.output.contains("Exception") || result.output.contains("\tat "),
                    "a stack trace instead of a message:\n" + result.output);
            for (String secret : SECRETS) {
                assertFalse(result.output.contains(secret), "--check printed " + secret + " for\n" + file.getKey()
                        + "\n---\n" + result.output);
            }
        }
    }

    // ---- helpers ----

    private static void okJson(TestUpstream.Conn conn) throws IOException {
        conn.head(200, "Content-Type: application/json", "Content-Length: 2").raw("{}");
    }

    /**
     * Sends a valid sentinel request through relay and asserts it was the first and only request the
     * upstream ever saw: whatever the test sent before never reached it (a counter read right after relay's
     * answer could miss a connection still in the upstream's backlog).
     */
    private static TestUpstream.Conn assertSentinelIsTheOnlyRequest(RunningRelay relay, TestUpstream upstream,
            String... headers) throws Exception {
        try (TestClient client = relay.client().post("/v1/sentinel", REQUEST, headers)) {
            assertEquals(200, client.status, "the sentinel request was not served");
            assertEquals("{}", client.bodyText());
        }
        TestUpstream.Conn only = upstream.onlyConnection(WAIT);
        assertEquals("/v1/sentinel", only.target, "a refused request reached the upstream before the sentinel");
        return only;
    }

    private static Config config(URI upstream, List<String> clientKeys, Map<String, String> routeHeaders) {
        Route route = new Route("/v1", new RouteTarget.Http(upstream), routeHeaders, true, ErrorFormat.AUTO);
        return new Config(Path.of("test.toml"),
                new ServerSettings(new InetSocketAddress("127.0.0.1", 0), 1000, 1024 * 1024, Duration.ofSeconds(1),
                        List.of(), Duration.ofSeconds(60), 100, 64 * 1024).withClientKeys(clientKeys),
                new PingSettings(true, Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(1), "PING"),
                UpstreamSettings.DEFAULTS, StreamSettings.DEFAULTS, DemoSettings.DEFAULTS, List.of(route));
    }

    /** The access log in either of its formats: {@code key=value} text or one JSON object per line. */
    private static boolean logged(String log, String key, String value) {
        return log.contains(key + "=" + value) || log.contains("\"" + key + "\":\"" + value + "\"")
                || log.contains("\"" + key + "\":" + value + ",");
    }

    private static void assertClientKeysNotIn(TestUpstream.Conn conn) {
        String all = conn.headers.toString() + conn.bodyText();
        assertFalse(all.contains(KEY_1) || all.contains(KEY_2), "a client key reached the upstream: " + all);
    }

    private static void assertNoSecrets(String text, String... secrets) {
        for (String secret : secrets) {
            int at = text.indexOf(secret);
            if (at >= 0) {
                int from = text.lastIndexOf('\n', at) + 1;
                int to = text.indexOf('\n', at);
                throw new AssertionError("secret " + secret + " leaked in: "
                        + text.substring(from, to < 0 ? text.length() : to));
            }
        }
    }

    private static String[] withContentType(String[] headers) {
        String[] all = new String[headers.length + 1];
        all[0] = "Content-Type: application/json";
        System.arraycopy(headers, 0, all, 1, headers.length);
        return all;
    }

    /** Status, headers and the body as received (a cut body is kept as far as it came). */
    private static String responseText(TestClient client) {
        StringBuilder text = new StringBuilder().append(client.status).append('\n');
        client.headers.forEach((name, values) -> text.append(name).append(": ").append(values).append('\n'));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            InputStream in = client.body();
            int b;
            while ((b = in.read()) != -1) {
                body.write(b);
            }
        } catch (IOException e) {
            // cut: keep what came
        }
        return text.append(body.toString(StandardCharsets.UTF_8)).toString();
    }

    /** Asserts relay's own error: status, JSON content type, and {"error":{"message","type","code"}}. */
    private static JsonNode assertErrorResponse(TestClient client, int status, String code) throws IOException {
        assertEquals(status, client.status);
        String type = client.header("content-type");
        assertNotNull(type, "error without Content-Type");
        assertTrue(type.toLowerCase(Locale.ROOT).startsWith("application/json"), type);
        return ErrorShape.assertJson(client.bodyText(), code);
    }


    /** A response read from a raw socket until the server closes it; status -1 if it sent nothing. */

    private record CheckResult(int exitCode, String output) {
    }

    /**
     * {@code relay --check FILE} through {@code relay.CommandLine} (package-private, so reached reflectively),
     * with its stdout and stderr together.
     */
    private static CheckResult checkInThisJvm(Path file, Map<String, String> env) throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        java.io.PrintStream print = new java.io.PrintStream(output, true, StandardCharsets.UTF_8);
        Class<?> type = Class.forName("relay.CommandLine");
        var constructor = type.getDeclaredConstructor(java.io.PrintStream.class, java.io.PrintStream.class, Map.class);
        constructor.setAccessible(true);
        Object commandLine = constructor.newInstance(print, print, env);
        var run = type.getDeclaredMethod("run", String[].class);
        run.setAccessible(true);
        int code = (int) run.invoke(commandLine, (Object) new String[] {"--check", file.toString()});
        return new CheckResult(code, output.toString(StandardCharsets.UTF_8));
    }

    /** {@code relay --check FILE} in its own JVM, as an operator runs it; stdout and stderr together. */
    private static CheckResult checkInOwnJvm(Path file, Map<String, String> env) throws Exception {
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-preview",
                "-cp", System.getProperty("java.class.path"), "relay.Main", "--check", file.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "--check did not exit");
        return new CheckResult(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
