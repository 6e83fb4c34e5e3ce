package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final String MINIMAL = """
            [[routes]]
            prefix = "/v1"
            upstream = "demo"
            """;

    private static final String FULL = """
            [server]
            listen = "0.0.0.0:9090"
            max_streams = 500
            max_body = "4MiB"
            drain_timeout = "45s"
            client_keys = ["client-key-one", "client-key-two"]

            [ping]
            enabled = false
            interval = "15s"
            write_timeout = "2500ms"
            header_grace = 0
            comment = "keepalive"

            [upstream]
            connect_timeout = "3s"
            keepalive = "20s"

            [stream]
            idle_timeout = "2m"
            max_duration = "1h"
            max_line = 65536

            [demo]
            think = "0s"
            tokens = 3
            token_interval = "10ms"

            [[routes]]
            prefix = "/v1"
            upstream = "https://gateway.example.com/openai/"
            headers = { Authorization = "Bearer sk-literal-secret", "OpenAI-Organization" = "org-1" }
            ping = false
            errors = "openai"

            [[routes]]
            prefix = "/anthropic"
            upstream = "http://127.0.0.1:8081"
            errors = "anthropic"
            [routes.headers]
            x-api-key = "ant-literal-secret"

            [[routes]]
            prefix = "/demo"
            upstream = "demo"
            """;

    @TempDir
    Path dir;

    @Test
    void fullFileMapsToEveryField() throws Exception {
        Path file = write(FULL);
        Config c = ConfigLoader.load(file, Map.of());

        assertEquals(file, c.source());
        assertEquals(new InetSocketAddress("0.0.0.0", 9090), c.server().listen());
        assertEquals(500, c.server().maxStreams());
        assertEquals(4L * 1024 * 1024, c.server().maxBody());
        assertEquals(Duration.ofSeconds(45), c.server().drainTimeout());
        assertEquals(List.of("client-key-one", "client-key-two"), c.server().keyValues());

        assertEquals(new PingSettings(false, Duration.ofSeconds(15), Duration.ofMillis(2500), Duration.ZERO,
                "keepalive"), c.ping());
        assertEquals(new UpstreamSettings(Duration.ofSeconds(3), Duration.ofSeconds(20)), c.upstream());
        assertEquals(new StreamSettings(Duration.ofMinutes(2), Duration.ofHours(1), 65536), c.stream());
        assertEquals(new DemoSettings(Duration.ZERO, 3, Duration.ofMillis(10)), c.demo());

        assertEquals(List.of(
                new Route("/v1", new RouteTarget.Http(URI.create("https://gateway.example.com/openai")),
                        Map.of("Authorization", "Bearer sk-literal-secret", "OpenAI-Organization", "org-1"),
                        false, ErrorFormat.OPENAI),
                new Route("/anthropic", new RouteTarget.Http(URI.create("http://127.0.0.1:8081")),
                        Map.of("x-api-key", "ant-literal-secret"), true, ErrorFormat.ANTHROPIC),
                new Route("/demo", new RouteTarget.Demo(), Map.of(), true, ErrorFormat.AUTO)),
                c.routes());
    }

    @Test
    void absentTablesTakeTheRecordDefaults() throws Exception {
        Config c = ConfigLoader.load(write(MINIMAL), Map.of());

        assertEquals(ServerSettings.DEFAULTS, c.server());
        assertEquals(PingSettings.DEFAULTS, c.ping());
        assertEquals(UpstreamSettings.DEFAULTS, c.upstream());
        assertEquals(StreamSettings.DEFAULTS, c.stream());
        assertEquals(DemoSettings.DEFAULTS, c.demo());
        assertEquals(List.of(new Route("/v1", new RouteTarget.Demo(), Map.of(), true, ErrorFormat.AUTO)), c.routes());
    }

    @Test
    void emptyFileHasNoRoutes() {
        String message = error("", Map.of());
        assertEquals(name() + ":1:1: no routes: add at least one [[routes]] table with a prefix and an upstream",
                message);
    }

    @Test
    void fileWithTablesButNoRoutesIsRejectedAtTheTop() {
        assertStartsWith(":1:1: no routes", error("[ping]\nenabled = true\n", Map.of()));
    }

    @Test
    void nonPositivePingIntervalMeansTheDefault() throws Exception {
        for (String interval : List.of("0", "\"0s\"", "-5", "\"-2s\"")) {
            Config c = ConfigLoader.load(write("[ping]\ninterval = " + interval + "\n" + MINIMAL), Map.of());
            assertEquals(PingSettings.DEFAULT_INTERVAL, c.ping().interval(), interval);
        }
    }

    @Test
    void bareIntegersAreSecondsAndBytes() throws Exception {
        Config c = ConfigLoader.load(write("""
                [server]
                drain_timeout = 7
                max_body = 1000
                """ + MINIMAL), Map.of());
        assertEquals(Duration.ofSeconds(7), c.server().drainTimeout());
        assertEquals(1000, c.server().maxBody());
    }

    @Test
    void environmentIsSubstitutedInStringsPortsDurationsAndSizes() throws Exception {
        Map<String, String> env = Map.of(
                "PORT", "9443", "KEY", "sk-from-env", "PING", "1500ms", "BODY", "2MiB", "CLIENT", "ck-env",
                "HOST", "api.example.com");
        Config c = ConfigLoader.load(write("""
                [server]
                listen = "127.0.0.1:${PORT}"
                max_body = "${BODY}"
                client_keys = ["${CLIENT}"]
                [ping]
                interval = "${PING}"
                [[routes]]
                prefix = "/v1"
                upstream = "https://${HOST}/base"
                headers = { Authorization = "Bearer ${KEY}", X-Both = "${PORT}-${PORT}" }
                """), env);

        assertEquals(new InetSocketAddress("127.0.0.1", 9443), c.server().listen());
        assertEquals(2L * 1024 * 1024, c.server().maxBody());
        assertEquals(List.of("ck-env"), c.server().keyValues());
        assertEquals(Duration.ofMillis(1500), c.ping().interval());
        Route route = c.routes().getFirst();
        assertEquals(URI.create("https://api.example.com/base"), ((RouteTarget.Http) route.target()).base());
        assertEquals(Map.of("Authorization", "Bearer sk-from-env", "X-Both", "9443-9443"), route.headers());
    }

    @Test
    void ipv6ListenAddressNeedsBrackets() throws Exception {
        Config c = ConfigLoader.load(write("[server]\nlisten = \"[::1]:8443\"\n" + MINIMAL), Map.of());
        assertEquals(new InetSocketAddress("::1", 8443), c.server().listen());

        assertStartsWith(":2:1: server.listen = \"::1:8443\": has an IPv6 address without brackets",
                error("[server]\nlisten = \"::1:8443\"\n" + MINIMAL, Map.of()));
    }

    // ---- mistakes: each names the file, the line and column of the offending key, and what is wrong ----

    @Test
    void unknownKeyIsRejectedWithASuggestion() {
        assertEquals(name() + ":3:1: unknown key 'intervall' in [ping] (did you mean 'interval'?)",
                error("[ping]\nenabled = true\nintervall = \"5s\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void unknownTableIsRejected() {
        assertEquals(name() + ":4:1: unknown table [pings] (did you mean 'ping'?)",
                error(MINIMAL + "[pings]\nenabled = true\n", Map.of()));
    }

    @Test
    void unknownKeyInRouteIsRejected() {
        assertStartsWith(":4:1: unknown key 'header' in [[routes]] (did you mean 'headers'?)",
                error(MINIMAL + "header = { A = \"b\" }\n", Map.of()));
    }

    @Test
    void wrongTypeNamesBothTypes() {
        assertEquals(name() + ":2:1: ping.enabled must be a boolean, got string",
                error("[ping]\nenabled = \"yes\"\n" + MINIMAL, Map.of()));
        assertEquals(name() + ":2:3: server.max_streams must be an integer, got float",
                error("[server]\n  max_streams = 1.5\n" + MINIMAL, Map.of()));
    }

    @Test
    void badDurationUnitIsRejected() {
        assertEquals(name() + ":2:1: stream.idle_timeout = \"10x\": has an unknown unit (use ms, s, m or h)",
                error("[stream]\nidle_timeout = \"10x\"\n" + MINIMAL, Map.of()));
        assertStartsWith(":2:1: stream.idle_timeout = \"10\": needs a unit",
                error("[stream]\nidle_timeout = \"10\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void negativeDurationIsRejected() {
        assertEquals(name() + ":2:1: upstream.connect_timeout = \"-3s\": must not be negative",
                error("[upstream]\nconnect_timeout = \"-3s\"\n" + MINIMAL, Map.of()));
        assertEquals(name() + ":2:1: demo.think = -1: must not be negative",
                error("[demo]\nthink = -1\n" + MINIMAL, Map.of()));
        assertEquals(name() + ":2:1: stream.first_event_timeout = \"-1s\": must not be negative",
                error("[stream]\nfirst_event_timeout = \"-1s\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void firstEventTimeoutIsOffUnlessSet() throws Exception {
        assertEquals(java.time.Duration.ZERO, ConfigLoader.load(write(MINIMAL), Map.of()).stream().firstEventTimeout());
        Config set = ConfigLoader.load(write("[stream]\nfirst_event_timeout = \"90s\"\n" + MINIMAL), Map.of());
        assertEquals(java.time.Duration.ofSeconds(90), set.stream().firstEventTimeout());
        assertTrue(ConfigPrinter.describe(set).contains("first_event_timeout = \"90s\""), ConfigPrinter.describe(set));
        Config route = ConfigLoader.load(write("""
                [stream]
                first_event_timeout = "90s"
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                first_event_timeout = "20s"
                [[routes]]
                prefix = "/v2"
                upstream = "demo"
                """), Map.of());
        assertEquals(java.time.Duration.ofSeconds(20), route.routes().get(0).firstEventTimeout(route.stream()));
        assertEquals(java.time.Duration.ofSeconds(90), route.routes().get(1).firstEventTimeout(route.stream()),
                "a route without its own takes [stream]'s");
        assertTrue(ConfigPrinter.describe(route).contains("first_event_timeout = \"20s\""), ConfigPrinter.describe(route));
        assertStartsWith(":6:1: routes[0].first_event_timeout = \"-2s\": must not be negative", error("""
                [stream]
                first_event_timeout = "90s"
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                first_event_timeout = "-2s"
                """, Map.of()));
    }

    @Test
    void aRouteMayListUpstreamsWithHeadersOfTheirOwnAndARetryTable() throws Exception {
        Config c = ConfigLoader.load(write("""
                [[routes]]
                prefix = "/v1"
                headers = { "OpenAI-Organization" = "org-1", Authorization = "Bearer shared" }
                [routes.retry]
                statuses = [429, 503]
                max_attempts = 3
                retry_after_max = "4s"
                cooldown = "1m"
                max_body = "64KiB"
                non_stream = true
                [[routes.upstreams]]
                name = "key-a"
                url = "https://api.example.com"
                headers = { authorization = "Bearer a" }
                [[routes.upstreams]]
                url = "https://api.example.com"
                [[routes.upstreams]]
                url = "http://127.0.0.1:9000/base"
                """), Map.of());
        Route route = c.routes().getFirst();
        assertEquals(List.of("key-a", "api.example.com", "127.0.0.1:9000"),
                route.upstreams().stream().map(RouteUpstream::name).toList());
        assertEquals(Map.of("OpenAI-Organization", "org-1", "authorization", "Bearer a"),
                route.headersFor(route.upstreams().get(0)), "the upstream's own header replaces the route's");
        assertEquals(route.headers(), route.headersFor(route.upstreams().get(1)));
        assertEquals(new RetrySettings(java.util.Set.of(429, 503), 3, java.time.Duration.ofSeconds(4),
                java.time.Duration.ofMinutes(1), 64 * 1024, true), route.retry());
        Config reloaded = ConfigLoader.load(write(ConfigPrinter.describe(c).replace("\"***\"", "\"v\"")), Map.of());
        assertEquals(route.upstreams().stream().map(u -> u.name() + " " + u.target()).toList(),
                reloaded.routes().getFirst().upstreams().stream().map(u -> u.name() + " " + u.target()).toList());
        assertEquals(route.retry(), reloaded.routes().getFirst().retry(), ConfigPrinter.describe(c));

        Config single = ConfigLoader.load(write(MINIMAL), Map.of());
        assertEquals(RetrySettings.defaults(1), single.routes().getFirst().retry(), "one upstream: one attempt");
        assertFalse(ConfigPrinter.describe(single).contains("[routes.retry]"), ConfigPrinter.describe(single));
    }

    @Test
    void badUpstreamListsAndRetryTablesAreNamedWhereTheyAre() {
        assertStartsWith(":4:1: routes[0] has both upstream and upstreams", error("""
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                [[routes.upstreams]]
                url = "demo"
                """, Map.of()));
        assertStartsWith(":3:1: routes[0].ca_file applies to a single upstream", error("""
                [[routes]]
                prefix = "/v1"
                ca_file = "ca.pem"
                [[routes.upstreams]]
                url = "https://a.example"
                """, Map.of()));
        assertStartsWith(":5:1: routes[0].upstreams[1] has no url", error("""
                [[routes]]
                prefix = "/v1"
                [[routes.upstreams]]
                url = "demo"
                [[routes.upstreams]]
                name = "b"
                """, Map.of()));
        assertStartsWith(":4:28: routes[0].retry.statuses[1] must be a status code from 400 to 599, got 200", error("""
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                retry = { statuses = [429, 200] }
                """, Map.of()));
        assertStartsWith(":5:1: routes[0].retry.max_attempts = 0: must be at least 1", error("""
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                [routes.retry]
                max_attempts = 0
                """, Map.of()));
        assertStartsWith(":5:1: unknown key 'max_attempt' in routes[0].retry (did you mean 'max_attempts'?)", error("""
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                [routes.retry]
                max_attempt = 2
                """, Map.of()));
        assertStartsWith(":7:1: routes[0].upstreams[1].name = \"a\": is already the name of routes[0].upstreams[0]", error("""
                [[routes]]
                prefix = "/v1"
                [[routes.upstreams]]
                url = "demo"
                name = "a"
                [[routes.upstreams]]
                name = "a"
                url = "demo"
                """, Map.of()));
    }

    @Test
    void upstreamReuseAndProxyAreReadAndPrintedWithoutCredentials() throws Exception {
        assertEquals(32, ConfigLoader.load(write(MINIMAL), Map.of()).upstream().maxIdlePerHost());
        Config c = ConfigLoader.load(write("""
                [upstream]
                max_idle_per_host = 0
                idle_ttl = "5s"
                proxy = "http://relay:${PROXY_PASSWORD}@proxy.internal:3128"
                no_proxy = ["localhost", ".corp.example"]
                """ + MINIMAL), Map.of("PROXY_PASSWORD", "pw-secret"));
        assertEquals(0, c.upstream().maxIdlePerHost());
        assertEquals(Duration.ofSeconds(5), c.upstream().idleTtl());
        EgressProxy proxy = c.upstream().proxy().orElseThrow();
        assertEquals("proxy.internal", proxy.host());
        assertEquals(3128, proxy.port());
        assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString("relay:pw-secret".getBytes()),
                proxy.authorization().orElseThrow());
        assertFalse(proxy.applies("git.corp.example"));
        assertFalse(proxy.applies("LOCALHOST"));
        assertTrue(proxy.applies("api.openai.com"));
        String printed = ConfigPrinter.describe(c);
        assertTrue(printed.contains("proxy            = \"http://***:***@proxy.internal:3128\""), printed);
        assertFalse(printed.contains("pw-secret") || printed.contains(proxy.authorization().get()), printed);
        Config own = ConfigLoader.load(write("""
                [[routes]]
                prefix = "/v1"
                [[routes.upstreams]]
                url = "https://a.example"
                proxy = "direct"
                [[routes.upstreams]]
                url = "https://b.example"
                proxy = "http://egress.example:8080"
                """), Map.of());
        List<RouteUpstream> ups = own.routes().getFirst().upstreams();
        assertEquals(new RouteTarget.ProxyChoice.Direct(), ((RouteTarget.Http) ups.get(0).target()).proxy());
        assertEquals("egress.example", ((RouteTarget.ProxyChoice.Via) ((RouteTarget.Http) ups.get(1).target()).proxy())
                .proxy().host());
        String ownPrinted = ConfigPrinter.describe(own);
        assertTrue(ownPrinted.contains("proxy            = \"direct\"")
                && ownPrinted.contains("proxy            = \"http://egress.example:8080\""), ownPrinted);
        assertEquals(own.routes(), ConfigLoader.load(write(ownPrinted.replace("\"***\"", "\"v\"")), Map.of()).routes());
        assertStartsWith(":2:1: upstream.no_proxy = ", error("[upstream]\nno_proxy = [\"x\"]\n" + MINIMAL, Map.of()));
        assertStartsWith(":2:1: upstream.proxy: must be an http:// URL", error(
                "[upstream]\nproxy = \"https://proxy:3128\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void aRouteMayHaveItsOwnTimingAndCheckPrintsTheEffectiveValues() throws Exception {
        Config c = ConfigLoader.load(write("""
                [ping]
                interval = "10s"
                [[routes]]
                prefix = "/claude"
                upstream = "demo"
                ping_interval = "5s"
                header_grace = "0s"
                idle_timeout = "240s"
                max_duration = "1h"
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                """), Map.of());
        Route own = c.routes().get(0);
        assertEquals(Duration.ofSeconds(5), own.pingInterval(c.ping()));
        assertEquals(Duration.ZERO, own.headerGrace(c.ping()));
        assertEquals(Duration.ofSeconds(240), own.idleTimeout(c.stream()));
        assertEquals(Duration.ofHours(1), own.maxDuration(c.stream()));
        Route global = c.routes().get(1);
        assertEquals(Duration.ofSeconds(10), global.pingInterval(c.ping()));
        assertEquals(Duration.ofSeconds(300), global.idleTimeout(c.stream()));
        String printed = ConfigPrinter.describe(c);
        assertTrue(printed.contains("# effective: ping_interval=5s header_grace=0s idle_timeout=4m max_duration=1h"),
                printed);
        assertTrue(printed.contains("# effective: ping_interval=10s header_grace=1s idle_timeout=5m max_duration=30m"),
                printed);
        assertEquals(c.routes(), ConfigLoader.load(write(printed), Map.of()).routes());
        assertStartsWith(":4:1: routes[0].ping_interval = \"0s\": must be greater than 0", error("""
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                ping_interval = "0s"
                """, Map.of()));
    }

    @Test
    void zeroWriteTimeoutIsRejectedNotTakenAsOff() {
        assertEquals(name() + ":3:1: ping.write_timeout = \"0s\": must be greater than 0 (0 does not mean \"off\" here)",
                error("[ping]\ninterval = 0\nwrite_timeout = \"0s\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void keepaliveMustBeWholeSeconds() {
        assertStartsWith(":2:1: upstream.keepalive = \"1500ms\": must be a whole number of seconds",
                error("[upstream]\nkeepalive = \"1500ms\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void sizesTakeOnlyBinaryUnits() {
        assertStartsWith(":2:1: stream.max_line = \"16MB\": uses a decimal unit",
                error("[stream]\nmax_line = \"16MB\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void badListenPortIsRejected() {
        assertEquals(name() + ":2:1: server.listen = \"127.0.0.1:70000\": needs a port from 1 to 65535",
                error("[server]\nlisten = \"127.0.0.1:70000\"\n" + MINIMAL, Map.of()));
        assertStartsWith(":2:1: server.listen = \":8080\": needs a host",
                error("[server]\nlisten = \":8080\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void missingEnvironmentVariableIsNamedAtItsValue() {
        assertEquals(name() + ":4:13: routes[0].headers.Authorization: environment variable OPENAI_API_KEY is not set",
                error(MINIMAL + "headers = { Authorization = \"Bearer ${OPENAI_API_KEY}\" }\n", Map.of()));
        assertEquals(name() + ":2:1: server.listen = \"127.0.0.1:${PORT}\": environment variable PORT is not set",
                error("[server]\nlisten = \"127.0.0.1:${PORT}\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void duplicatePrefixIsRejectedAtTheSecondRoute() {
        assertEquals(name() + ":5:1: routes[1].prefix = \"/v1\": is already the prefix of routes[0], which has no"
                        + " models and so takes every request under it (give routes[0] models = [...], or use another"
                        + " prefix)",
                error(MINIMAL + "[[routes]]\nprefix = \"/v1\"\nupstream = \"https://example.com\"\n", Map.of()));
    }

    @Test
    void tomlSyntaxErrorIsPositioned() {
        assertStartsWith(":2:9: invalid TOML: ", error("[ping]\nenabled true\n" + MINIMAL, Map.of()));
        assertStartsWith(":4:1: invalid TOML: ", error("[ping]\n\n\n[ping]\n" + MINIMAL, Map.of()));
    }

    @Test
    void unknownErrorFormatIsRejected() {
        assertEquals(name() + ":4:1: routes[0].errors = \"cohere\": must be \"auto\", \"openai\", \"anthropic\", "
                + "\"responses\" or \"gemini\"", error(MINIMAL + "errors = \"cohere\"\n", Map.of()));
    }

    @Test
    void badUpstreamUriIsRejected() {
        assertEquals(name() + ":3:1: routes[0].upstream: must be \"demo\" or an absolute http:// or https:// URL",
                error("[[routes]]\nprefix = \"/v1\"\nupstream = \"ftp://example.com\"\n", Map.of()));
        assertEquals(name() + ":3:1: routes[0].upstream: must not have a query (?...)",
                error("[[routes]]\nprefix = \"/v1\"\nupstream = \"https://example.com/v1?x=1\"\n", Map.of()));
        assertStartsWith(":3:1: routes[0].upstream: is not a valid URL",
                error("[[routes]]\nprefix = \"/v1\"\nupstream = \"https://exa mple.com\"\n", Map.of()));
    }

    @Test
    void missingRequiredKeyIsReportedAtItsTable() {
        assertEquals(name() + ":4:1: routes[1] has no upstream"
                        + " (add e.g. upstream = \"https://api.openai.com\" or \"demo\")",
                error(MINIMAL + "[[routes]]\nprefix = \"/b\"\n", Map.of()));
        assertStartsWith(":1:1: routes[0] has no prefix", error("[[routes]]\nupstream = \"demo\"\n", Map.of()));
    }

    @Test
    void prefixMustStartWithSlash() {
        assertStartsWith(":2:1: routes[0].prefix = \"v1\": must start with '/'",
                error("[[routes]]\nprefix = \"v1\"\nupstream = \"demo\"\n", Map.of()));
    }

    @Test
    void pingCommentMustStayOnOneLine() {
        assertStartsWith(":2:1: ping.comment = \"a\\nb\": must not contain a line break",
                error("[ping]\ncomment = \"a\\nb\"\n" + MINIMAL, Map.of()));
    }

    @Test
    void invalidHeaderNameIsRejected() {
        assertStartsWith(":4:13: routes[0].headers.Bad Name: is not a valid header name",
                error(MINIMAL + "headers = { \"Bad Name\" = \"x\" }\n", Map.of()));
        assertStartsWith(":4:13: routes[0].headers.Host: cannot be set",
                error(MINIMAL + "headers = { Host = \"x\" }\n", Map.of()));
    }

    @Test
    void missingFileIsReportedAgainstItsName() {
        Path missing = dir.resolve("nope.toml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing, Map.of()));
        assertEquals("relay: " + missing + ": no such file", e.getMessage());
    }

    @Test
    void invalidUtf8IsPositioned() throws IOException {
        Path file = dir.resolve("config.toml");
        Files.write(file, "[ping]\ncomment = \"ab\u0000\"\n".replace('\u0000', '?').getBytes(StandardCharsets.UTF_8));
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] = (byte) 0xff;
        Files.write(file, bytes);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertEquals(file + ":2:14: file is not valid UTF-8", e.getMessage());
    }

    // ---- secrets ----

    @Test
    void secretsNeverAppearInErrorMessages() {
        Map<String, String> env = Map.of("KEY", "sk-env-secret\nInjected: 1", "NUM", "sk-env-number");
        List<String> messages = List.of(
                error(MINIMAL + "headers = { Authorization = \"Bearer ${KEY}\" }\n", env),
                error(MINIMAL + "headers = { \"Bad Name\" = \"sk-literal-secret\" }\n", env),
                error(MINIMAL + "headers = { Authorization = \"sk-literal-secret\", authorization = \"sk-literal-secret\" }\n", env),
                error("[server]\nclient_keys = [\"sk-literal secret\"]\n" + MINIMAL, env),
                error("[server]\nclient_keys = [\"\"]\n" + MINIMAL, env),
                error("[server]\nmax_body = \"${NUM}\"\n" + MINIMAL, env),
                error("[ping]\ninterval = \"${NUM}\"\n" + MINIMAL, env),
                error("[[routes]]\nprefix = \"/v1\"\nupstream = \"https://user:sk-literal-secret@example.com\"\n", env),
                error("[[routes]]\nprefix = \"/v1\"\nupstream = \"https://example.com?key=sk-literal-secret\"\n", env),
                error(MINIMAL + "headers = { Authorization = Bearer sk-literal-secret }\n", env),
                error(MINIMAL + "headers = { Authorization = \"Bearer\" sk-literal-secret }\n", env));
        for (String message : messages) {
            assertTrue(message.startsWith(name() + ":"), message);
            assertFalse(message.contains("secret"), message);
            assertFalse(message.contains("sk-env"), message);
        }
    }

    @Test
    void printerShowsEverySettingAndMasksSecrets() throws Exception {
        String text = ConfigPrinter.describe(ConfigLoader.load(write(FULL), Map.of()));

        for (String expected : List.of("listen           = \"0.0.0.0:9090\"", "max_streams      = 500",
                "max_body         = \"4MiB\"", "drain_timeout    = \"45s\"",
                "client_keys      = [\"***\", \"***\"]  # 2 keys, values hidden",
                "enabled          = false", "interval         = \"15s\"", "write_timeout    = \"2500ms\"",
                "header_grace     = \"0s\"", "comment          = \"keepalive\"", "connect_timeout  = \"3s\"",
                "keepalive        = \"20s\"", "idle_timeout     = \"2m\"", "max_duration     = \"1h\"",
                "max_line         = \"64KiB\"", "think            = \"0s\"", "tokens           = 3",
                "token_interval   = \"10ms\"", "upstream         = \"https://gateway.example.com/openai\"",
                "headers          = { Authorization = \"***\", OpenAI-Organization = \"***\" }  # values hidden",
                "headers          = { x-api-key = \"***\" }  # values hidden",
                "upstream         = \"demo\"  # the built-in simulated model", "errors           = \"anthropic\"")) {
            assertTrue(text.contains(expected + "\n"), () -> "missing '" + expected + "' in\n" + text);
        }
        assertFalse(text.contains("literal-secret"), text);
        assertFalse(text.contains("client-key"), text);
        assertFalse(text.contains("org-1"), text);
    }

    @Test
    void printerShowsIpv6ListenAddressesShort() throws Exception {
        String text = ConfigPrinter.describe(
                ConfigLoader.load(write("[server]\nlisten = \"[::1]:8443\"\n" + MINIMAL), Map.of()));
        assertTrue(text.contains("listen           = \"[::1]:8443\"\n"), text);
    }

    @Test
    void printerShowsDefaults() throws Exception {
        String text = ConfigPrinter.describe(ConfigLoader.load(write(MINIMAL), Map.of()));
        for (String expected : List.of("listen           = \"127.0.0.1:8080\"", "max_body         = \"32MiB\"",
                "idle_timeout     = \"5m\"", "max_duration     = \"30m\"", "max_line         = \"16MiB\"",
                "client_keys      = []  # none: no client authentication", "headers          = {}")) {
            assertTrue(text.contains(expected + "\n"), () -> "missing '" + expected + "' in\n" + text);
        }
    }

    // ---- robustness ----

    @Test
    void mutatedConfigsLoadOrFailWithAPositionedMessage() throws IOException {
        String valid = """
                [server]
                listen = "[::1]:8080"
                max_streams = 100
                max_body = "1MiB"
                client_keys = ["${CLIENT}"]
                [ping]
                interval = "${PING}"
                write_timeout = 5
                comment = "PING"
                [upstream]
                keepalive = "15s"
                [stream]
                max_line = "64KiB"
                [demo]
                think = "1500ms"
                [[routes]]
                prefix = "/v1"
                upstream = "http://127.0.0.1:9/base/"
                headers = { Authorization = "Bearer ${KEY}" }
                errors = "openai"
                [[routes]]
                prefix = "/demo"
                upstream = "demo"
                """;
        Map<String, String> env = Map.of("CLIENT", "ck", "PING", "2s", "KEY", "sk");
        Path file = dir.resolve("fuzz.toml");
        Pattern positioned = Pattern.compile(Pattern.quote(file.toString()) + ":\\d+:\\d+: .+", Pattern.DOTALL);
        Random random = new Random(20_251_125L);
        int loaded = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] mutated = mutate(valid.getBytes(StandardCharsets.UTF_8), random);
            Files.write(file, mutated);
            try {
                ConfigLoader.load(file, env);
                loaded++;
            } catch (ConfigException e) {
                assertTrue(positioned.matcher(e.getMessage()).matches(), e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            } catch (RuntimeException | StackOverflowError e) {
                fail("mutation " + i + " threw " + e + " for:\n" + new String(mutated, StandardCharsets.UTF_8), e);
            }
        }
        assertTrue(loaded > 0, "no mutation loaded: the fuzz test is not exercising valid configs");
    }

    private static byte[] mutate(byte[] input, Random random) {
        byte[] bytes = input;
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            bytes = switch (random.nextInt(4)) {
                case 0 -> flipByte(bytes, random);
                case 1 -> editLines(bytes, random, false);
                case 2 -> editLines(bytes, random, true);
                default -> insertJunk(bytes, random);
            };
        }
        return bytes;
    }

    private static byte[] flipByte(byte[] bytes, Random random) {
        byte[] out = bytes.clone();
        if (out.length > 0) {
            out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return out;
    }

    private static byte[] editLines(byte[] bytes, Random random, boolean duplicate) {
        List<String> lines = new ArrayList<>(Arrays.asList(new String(bytes, StandardCharsets.ISO_8859_1).split("\n", -1)));
        int at = random.nextInt(lines.size());
        if (duplicate) {
            lines.add(at, lines.get(at));
        } else {
            lines.remove(at);
        }
        return String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final String JUNK = "[]{}\"'=#.,:$\\\n\t -0123456789abcxyzsmhMiB${}\u00e9";

    private static byte[] insertJunk(byte[] bytes, Random random) {
        StringBuilder junk = new StringBuilder();
        for (int n = 1 + random.nextInt(8); n > 0; n--) {
            junk.append(random.nextInt(10) == 0 ? (char) random.nextInt(256) : JUNK.charAt(random.nextInt(JUNK.length())));
        }
        byte[] insert = junk.toString().getBytes(StandardCharsets.ISO_8859_1);
        int at = random.nextInt(bytes.length + 1);
        byte[] out = new byte[bytes.length + insert.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(bytes, at, out, at + insert.length, bytes.length - at);
        return out;
    }

    // ---- helpers ----

    private Path write(String toml) throws IOException {
        return Files.writeString(dir.resolve("config.toml"), toml);
    }

    private String name() {
        return dir.resolve("config.toml").toString();
    }

    private String error(String toml, Map<String, String> env) {
        Path file;
        try {
            file = write(toml);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, env));
        assertInstanceOf(String.class, e.getMessage());
        return e.getMessage();
    }

    private void assertStartsWith(String expectedAfterName, String message) {
        assertTrue(message.startsWith(name() + expectedAfterName),
                () -> "expected '" + name() + expectedAfterName + "...' but was '" + message + "'");
    }
}
