package relay.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.binaryEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import com.github.tomakehurst.wiremock.core.Options;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import relay.config.Config;
import relay.config.DemoSettings;
import relay.config.ErrorFormat;
import relay.config.PingSettings;
import relay.config.Route;
import relay.config.RouteTarget;
import relay.config.ServerSettings;
import relay.config.StreamSettings;
import relay.config.UpstreamSettings;
import relay.testing.RunningRelay;
import relay.testing.TestClient;

/**
 * Plain HTTP through relay against WireMock: the status, headers and body the client gets back, and
 * exactly what reached the upstream (method, path and query, body, end-to-end headers; no hop-by-hop
 * header, no client credential; the route's headers). Stubs match only the request relay must send, and
 * an unmatched request fails the test. Byte-level framing and timing stay with TestUpstream
 * (PassthroughTest, StreamEndTest, ...).
 */
class PlainHttpProxyTest {
    private static final String REQUEST = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String KEY_1 = "ck-test-key-1";
    private static final String KEY_2 = "ck-test-key-2";
    private static final String ROUTE_AUTH = "Bearer sk-upstream-SECRET";

    /** Loopback only, quiet (errors only, no per-request log), no gzip, Content-Length bodies, few threads. */
    @RegisterExtension
    static final WireMockExtension upstream = WireMockExtension.newInstance()
            .options(wireMockConfig()
                    .bindAddress("127.0.0.1")
                    .dynamicPort()
                    .http2PlainDisabled(true)
                    .jettyAcceptors(1)
                    .containerThreads(10)
                    .gzipDisabled(true)
                    .useChunkedTransferEncoding(Options.ChunkedEncodingPolicy.NEVER)
                    .stubRequestLoggingDisabled(true)
                    .extensionScanningEnabled(false)
                    .notifier(new ConsoleNotifier(false)))
            .failOnUnmatchedRequests(true)
            .build();

    // ---- responses come back unchanged ----

    static Stream<Arguments> upstreamAnswers() {
        return Stream.of(
                Arguments.of(200, List.of(),
                        "{\"id\":\"chatcmpl-1\",\"choices\":[{\"message\":{\"content\":\"héllo ✓\"}}]}"),
                Arguments.of(400, List.of(),
                        "{\"error\":{\"message\":\"bad 'messages'\",\"type\":\"invalid_request_error\",\"code\":null}}"),
                Arguments.of(429, List.of("7"),
                        "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"),
                Arguments.of(500, List.of(),
                        "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"code\":null}}"));
    }

    @ParameterizedTest(name = "upstream {0}")
    @MethodSource("upstreamAnswers")
    void jsonResponseComesBackWithItsStatusHeadersAndBodyBytes(int status, List<String> retryAfter, String body)
            throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ResponseDefinitionBuilder answer = aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json; charset=utf-8")
                .withHeader("x-request-id", "req-" + status)
                .withHeader("openai-processing-ms", "42")
                .withHeader("Set-Cookie", "a=1; Path=/", "b=2; Path=/")
                .withBody(bytes);
        retryAfter.forEach(value -> answer.withHeader("Retry-After", value));
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).withRequestBody(equalToJson(REQUEST)).willReturn(answer));
        try (RunningRelay relay = new RunningRelay(config(List.of(), Map.of()));
                TestClient client = relay.client().post("/v1/chat/completions", REQUEST)) {
            assertEquals(status, client.status);
            assertEquals("application/json; charset=utf-8", client.header("content-type"));
            assertEquals("req-" + status, client.header("X-Request-ID"));
            assertEquals("42", client.header("OpenAI-Processing-Ms"));
            assertEquals(List.of("a=1; Path=/", "b=2; Path=/"), client.headers.get("set-cookie"));
            assertEquals(retryAfter.isEmpty() ? null : retryAfter.get(0), client.header("retry-after"));
            assertEquals(String.valueOf(bytes.length), client.header("content-length"));
            assertArrayEquals(bytes, client.body().readAllBytes());
        }
        upstream.verify(exactly(1), anyRequestedFor(anyUrl()));
    }

    // ---- requests reach the upstream unchanged, less what is relay's own ----

    @Test
    void upstreamReceivesMethodPathQueryBodyAndEndToEndHeadersButNoHopByHopHeaders() throws Exception {
        String target = "/v1/chat/completions?api-version=2024-01-01&x=%2F";
        byte[] body = largeJson(100_000).getBytes(StandardCharsets.UTF_8);
        upstream.stubFor(post(urlEqualTo(target)).willReturn(okJson("{}")));
        try (RunningRelay relay = new RunningRelay(config(List.of(), Map.of()));
                TestClient client = relay.client().post(target, new String(body, StandardCharsets.UTF_8),
                        "OpenAI-Organization: org-123",
                        "User-Agent: OpenAI/Python 1.40.0",
                        "Connection: keep-alive, X-Custom-Hop",
                        "X-Custom-Hop: hop-value",
                        "Keep-Alive: timeout=5",
                        "TE: trailers",
                        "Proxy-Authorization: Basic cHJveHk6c2VjcmV0")) {
            assertEquals(200, client.status);
            assertEquals("{}", client.bodyText());
        }
        upstream.verify(exactly(1), postRequestedFor(urlEqualTo(target))
                .withRequestBody(binaryEqualTo(body))
                .withHeader("Host", equalTo("127.0.0.1:" + upstream.getPort()))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("OpenAI-Organization", equalTo("org-123"))
                .withHeader("User-Agent", equalTo("OpenAI/Python 1.40.0"))
                .withHeader("X-Custom-Hop", absent()) // named in Connection: hop-by-hop
                .withHeader("Keep-Alive", absent())
                .withHeader("TE", absent())
                .withHeader("Proxy-Authorization", absent()));
        LoggedRequest seen = onlyRequest();
        assertEquals(List.of("org-123"), seen.getHeaders().getHeader("OpenAI-Organization").values());
        HttpHeader connection = seen.getHeaders().getHeader("Connection");
        assertTrue(!connection.isPresent() || connection.values().stream()
                .noneMatch(value -> value.toLowerCase(Locale.ROOT).contains("x-custom-hop")), connection.toString());
    }

    @Test
    void routeHeadersReplaceTheClientsHeaderOfTheSameNameWhateverItsCase() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .withHeader("Authorization", equalTo("Bearer upstream-key"))
                .willReturn(okJson("{}")));
        try (RunningRelay relay = new RunningRelay(config(List.of(), Map.of("Authorization", "Bearer upstream-key")));
                TestClient client = relay.client().post("/v1/chat/completions", REQUEST,
                        "authorization: Bearer client-key", "OpenAI-Organization: org-123")) {
            assertEquals(200, client.status, client.bodyText());
        }
        LoggedRequest seen = onlyRequest();
        assertEquals(List.of("Bearer upstream-key"), seen.getHeaders().getHeader("Authorization").values());
        assertEquals(List.of("org-123"), seen.getHeaders().getHeader("OpenAI-Organization").values());
        assertFalse(seen.getHeaders().toString().contains("client-key"), seen.getHeaders().toString());
    }

    // ---- client keys are consumed; only the route's credentials go upstream ----

    @Test
    void anAcceptedClientKeyIsConsumedAndOnlyTheRoutesCredentialsGoUpstream() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .withHeader("Authorization", equalTo(ROUTE_AUTH))
                .withHeader("x-api-key", absent())
                .willReturn(okJson("{}")));
        List<String[]> accepted = List.of(
                new String[] {"Authorization: Bearer " + KEY_1},
                new String[] {"Authorization: Bearer " + KEY_2}, // every configured key works
                new String[] {"authorization: bearer " + KEY_1}, // names and the scheme ignore case
                new String[] {"Authorization: Bearer " + KEY_1, "x-api-key: " + KEY_1},
                new String[] {"Authorization: Basic Zm9vOmJhcg==", "x-api-key: " + KEY_2});
        try (RunningRelay relay = new RunningRelay(config(List.of(KEY_1, KEY_2), Map.of("Authorization", ROUTE_AUTH)))) {
            for (String[] headers : accepted) {
                upstream.resetRequests();
                try (TestClient client = relay.client().post("/v1/chat/completions", REQUEST, headers)) {
                    String body = client.bodyText();
                    assertEquals(200, client.status, String.join(", ", headers) + ": " + body);
                    assertEquals("{}", body);
                }
                LoggedRequest seen = onlyRequest();
                assertEquals(List.of(ROUTE_AUTH), seen.getHeaders().getHeader("Authorization").values());
                assertClientKeysNotIn(seen);
            }
        }
    }

    @Test
    void withClientKeysAndNoRouteHeadersTheClientsCredentialsAreStillConsumed() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions"))
                .withHeader("Authorization", absent())
                .withHeader("x-api-key", absent())
                .willReturn(okJson("{}")));
        try (RunningRelay relay = new RunningRelay(config(List.of(KEY_1), Map.of()));
                TestClient client = relay.client().post("/v1/chat/completions", REQUEST,
                        "Authorization: Bearer " + KEY_1, "X-API-KEY: " + KEY_1)) {
            assertEquals(200, client.status, "relay's client key went upstream: " + client.bodyText());
        }
        assertClientKeysNotIn(onlyRequest());
    }

    @Test
    void withoutClientKeysTheClientsOwnCredentialsPassThroughUnlessTheRouteSetsThem() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/own")).willReturn(okJson("{}")));
        upstream.stubFor(post(urlEqualTo("/v1/route")).willReturn(okJson("{}")));
        try (RunningRelay relay = new RunningRelay(config(List.of(), Map.of()));
                TestClient client = relay.client().post("/v1/own", REQUEST,
                        "Authorization: Bearer sk-client-own", "x-api-key: sk-client-anthropic")) {
            assertEquals(200, client.status);
        }
        upstream.verify(exactly(1), postRequestedFor(urlEqualTo("/v1/own"))
                .withHeader("Authorization", equalTo("Bearer sk-client-own"))
                .withHeader("x-api-key", equalTo("sk-client-anthropic")));
        try (RunningRelay relay = new RunningRelay(config(List.of(), Map.of("Authorization", ROUTE_AUTH)));
                TestClient client = relay.client().post("/v1/route", REQUEST, "Authorization: Bearer sk-client-own")) {
            assertEquals(200, client.status);
        }
        LoggedRequest routed = upstream.findAll(postRequestedFor(urlEqualTo("/v1/route"))).get(0);
        assertEquals(List.of(ROUTE_AUTH), routed.getHeaders().getHeader("Authorization").values());
        assertFalse(routed.getHeaders().toString().contains("sk-client-own"), routed.getHeaders().toString());
        upstream.verify(exactly(2), anyRequestedFor(anyUrl()));
    }

    // ---- helpers ----

    /** The one request the upstream received since the last reset; fails if there were none or several. */
    private static LoggedRequest onlyRequest() {
        List<LoggedRequest> all = upstream.findAll(anyRequestedFor(anyUrl()));
        assertEquals(1, all.size(), "requests that reached the upstream: " + all);
        return all.get(0);
    }

    private static void assertClientKeysNotIn(LoggedRequest request) {
        assertNull(request.getHeader("x-api-key"), "the client's x-api-key went upstream");
        String all = request.getHeaders().toString() + request.getBodyAsString();
        assertFalse(all.contains(KEY_1) || all.contains(KEY_2), "a client key reached the upstream: " + all);
    }

    /** A JSON document of about {@code size} bytes with multi-byte characters spread through it. */
    private static String largeJson(int size) {
        StringBuilder text = new StringBuilder("{\"input\":[");
        int i = 0;
        while (text.length() < size) {
            text.append(i == 0 ? "" : ",").append("\"line ").append(i++).append(" é ✓ 🚀 \\\"quoted\\\"\"");
        }
        return text.append("]}").toString();
    }

    private static Config config(List<String> clientKeys, Map<String, String> routeHeaders) {
        URI uri = URI.create("http://127.0.0.1:" + upstream.getPort());
        Route route = new Route("/v1", new RouteTarget.Http(uri), routeHeaders, true, ErrorFormat.AUTO);
        return new Config(Path.of("test.toml"),
                new ServerSettings(new InetSocketAddress("127.0.0.1", 0), 1000, 1024 * 1024, Duration.ofSeconds(1),
                        List.of(), Duration.ofSeconds(60), 100, 64 * 1024).withClientKeys(clientKeys),
                new PingSettings(true, Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(1), "PING"),
                UpstreamSettings.DEFAULTS, StreamSettings.DEFAULTS, DemoSettings.DEFAULTS, List.of(route));
    }
}
