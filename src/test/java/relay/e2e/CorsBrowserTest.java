package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.config.Config;
import relay.config.CorsSettings;
import relay.config.PingSettings;
import relay.config.Route;
import relay.config.RouteMatch;
import relay.config.RouteTiming;
import relay.config.StreamSettings;
import relay.testing.NodeScripts;
import relay.testing.RunningRelay;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/**
 * A page on another origin reads relayed streams in a real browser: headless Chromium from Debian's
 * package, driven by the locked playwright-core (installed when missing, as the suite installs the
 * SDKs). The upstream is slower than the header grace, so relay commits its own 200.
 */
class CorsBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final PingSettings PING = new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofMillis(200), "PING");
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static HttpServer pages;
    private static String pageOrigin;

    @BeforeAll
    static void browserAndPage() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            installChromium();
        }
        NodeScripts.install("playwright-core");
        pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pages.createContext("/", exchange -> {
            byte[] page = "<!doctype html><title>chat</title><p>a page on its own origin".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        pages.start();
        pageOrigin = "http://127.0.0.1:" + pages.getAddress().getPort();
    }

    /** Debian's package; as root, or through passwordless sudo. */
    private static void installChromium() throws Exception {
        List<String> asRoot = "root".equals(System.getProperty("user.name")) ? List.of() : List.of("sudo", "-n");
        List<String> install = new ArrayList<>(asRoot);
        install.addAll(List.of("apt-get", "install", "-y", "--no-install-recommends", "chromium"));
        NodeScripts.Result first = NodeScripts.run(install, Duration.ofMinutes(10));
        if (first.code() != 0) {
            List<String> update = new ArrayList<>(asRoot);
            update.addAll(List.of("apt-get", "update"));
            NodeScripts.run(update, Duration.ofMinutes(5));
            NodeScripts.Result second = NodeScripts.run(install, Duration.ofMinutes(10));
            assertEquals(0, second.code(), "apt-get install chromium failed:\n" + second.output());
        }
    }

    @AfterAll
    static void stopPages() {
        pages.stop(0);
    }

    private static Config withCors(TestUpstream upstream, CorsSettings cors, List<String> clientKeys) {
        Config base = TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS);
        Route r = base.routes().getFirst();
        Route route = new Route(r.prefix(), r.upstreams(), r.headers(), r.ping(), r.errors(), Optional.empty(),
                r.retry(), RouteTiming.GLOBAL, RouteMatch.ANY, false, cors);
        return new Config(base.source(), base.server().withClientKeys(clientKeys), base.ping(), base.upstream(),
                base.stream(), base.demo(), List.of(route));
    }

    private static CorsSettings allowing(String origin) {
        return new CorsSettings(List.of(origin), Optional.empty(), false);
    }

    /** The upstream thinks past the grace, then streams; {@code headers} are its own extra response headers. */
    private static TestUpstream slowStream(String... headers) throws Exception {
        return new TestUpstream(conn -> {
            conn.thinkFor(Duration.ofMillis(800));
            conn.sseHead(headers).chunk("data: {\"n\":1}\n\n").chunk("data: [DONE]\n\n").end();
        });
    }

    private static List<String> browse(RunningRelay relay, String... key) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", "cors-eventsource.mjs", pageOrigin + "/",
                "http://127.0.0.1:" + relay.address().getPort() + "/v1/chat/completions"));
        command.addAll(List.of(key));
        NodeScripts.Result result = NodeScripts.run(command, Duration.ofSeconds(60));
        assertEquals(0, result.code(), result.output());
        return result.output().lines().toList();
    }

    @Test
    void withTheRoutesCorsAPageReadsAStreamRelayCommittedBeforeTheUpstreamAnswered() throws Exception {
        try (TestUpstream upstream = slowStream();
                RunningRelay relay = new RunningRelay(withCors(upstream, allowing(pageOrigin), List.of()))) {
            List<String> lines = browse(relay);
            assertEquals("DATA {\"n\":1}|[DONE]", lines.getFirst(), String.join("\n", lines));
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
            assertTrue(relay.log().matches("(?s).*pings=[1-9].*"), "relay committed early and pinged: " + relay.log());
            assertEquals(pageOrigin, upstream.nextConnection(WAIT).header("Origin"), "the request went upstream as sent");
        }
    }

    /** The control: the same stream for a page whose origin the route does not list is blocked by the browser. */
    @Test
    void anOriginTheRouteDoesNotListIsBlockedByTheBrowser() throws Exception {
        try (TestUpstream upstream = slowStream();
                RunningRelay relay = new RunningRelay(withCors(upstream, allowing("https://elsewhere.example"),
                        List.of()))) {
            List<String> lines = browse(relay);
            assertTrue(lines.getFirst().startsWith("ERROR"), String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(l -> l.contains("Access-Control-Allow-Origin")), String.join("\n", lines));
        }
    }

    /** Without route CORS, a browser's request waits for the upstream's head, whose own CORS answer then comes through. */
    @Test
    void withoutRouteCorsTheUpstreamsOwnAnswerReachesThePage() throws Exception {
        try (TestUpstream upstream = slowStream("Access-Control-Allow-Origin: *");
                RunningRelay relay = new RunningRelay(withCors(upstream, CorsSettings.NONE, List.of()))) {
            List<String> lines = browse(relay);
            assertEquals("DATA {\"n\":1}|[DONE]", lines.getFirst(), String.join("\n", lines));
            assertTrue(relay.awaitLog("reason=done", WAIT), relay.log());
        }
    }

    /** relay's answer replaces the upstream's: one Access-Control-Allow-Origin, for the listed origin. */
    @Test
    void theUpstreamsOwnCorsHeadersGiveWayToTheRoutes() throws Exception {
        String body = "{\"ok\":true}";
        try (TestUpstream upstream = new TestUpstream(conn -> conn.head(200, "Content-Type: application/json",
                        "Content-Length: " + body.length(), "Access-Control-Allow-Origin: *",
                        "Access-Control-Allow-Credentials: true").raw(body));
                RunningRelay relay = new RunningRelay(withCors(upstream, allowing(pageOrigin), List.of()))) {
            var client = relay.client().post("/v1/chat/completions", body, "Origin: " + pageOrigin);
            assertEquals(200, client.status);
            assertEquals(List.of(pageOrigin), client.headers.get("access-control-allow-origin"));
            assertEquals(null, client.header("Access-Control-Allow-Credentials"), "credentials are the route's to allow");
            assertEquals(body, client.bodyText());
            var other = relay.client().post("/v1/chat/completions", body, "Origin: https://elsewhere.example");
            assertEquals(null, other.header("Access-Control-Allow-Origin"), "nor does the upstream's '*' speak for it");
            other.bodyText();
        }
    }

    /** A fetch with a client key is preflighted: relay answers the preflight itself, without asking for the key. */
    @Test
    void aPreflightedFetchWithAClientKeyIsAnsweredAndItsStreamRead() throws Exception {
        try (TestUpstream upstream = slowStream();
                RunningRelay relay = new RunningRelay(withCors(upstream, allowing(pageOrigin), List.of("ck-browser")))) {
            List<String> lines = browse(relay, "ck-browser");
            assertTrue(lines.getFirst().startsWith("FETCH 200 "), String.join("\n", lines));
            assertTrue(lines.getFirst().endsWith("data: [DONE]"), String.join("\n", lines));
            assertTrue(relay.awaitLog("OPTIONS /v1/chat/completions", WAIT) && relay.log().contains("status=204"),
                    relay.log());
            List<String> wrongKey = browse(relay, "ck-wrong");
            assertTrue(wrongKey.getFirst().startsWith("FETCH 401 ") && wrongKey.getFirst().contains("invalid_api_key"),
                    "the page can read relay's own 401: " + String.join("\n", wrongKey));
            assertEquals(1, upstream.accepted(), "neither the preflights nor the refused request went upstream");
        }
    }
}
