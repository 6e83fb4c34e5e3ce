package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/** {@code --check} prints TOML that tomlj parses, and relay loads back to the same settings (secrets masked). */
class ConfigPrinterTest {
    private static final String FILE = """
            [server]
            listen = "[::1]:${PORT}"
            max_streams = 500
            max_body = "4MiB"
            drain_timeout = "45s"
            request_timeout = "2m"
            max_headers = 50
            max_header_bytes = 10000
            client_keys = ["${CLIENT}", "client-literal-key"]

            [ping]
            enabled = false
            interval = 0
            write_timeout = "2500ms"
            header_grace = 0
            comment = "say \\"hi\\" $$HOME\\t#"

            [upstream]
            connect_timeout = "3s"
            keepalive = "20s"

            [stream]
            idle_timeout = "2m"
            max_duration = "1h"
            max_line = 65536

            [log]
            format = "text"
            level = "error"

            [demo]
            think = "0s"
            tokens = 3
            token_interval = "10ms"

            [[routes]]
            prefix = "/v1"
            upstream = "https://api.openai.com/"
            headers = { Authorization = "Bearer ${KEY}", "X.Odd!Name" = "literal-header-secret" }
            ping = false
            errors = "openai"

            [[routes]]
            prefix = "/"
            upstream = "demo"
            """;
    private static final Map<String, String> ENV =
            Map.of("PORT", "8443", "CLIENT", "client-env-key", "KEY", "sk-env-key");

    @TempDir
    Path dir;

    private TestFiles files;

    @BeforeEach
    void setUp() {
        files = new TestFiles(dir);
    }

    @Test
    void outputIsTomlWhoseValuesCarryTheirUnits() throws Exception {
        String text = ConfigPrinter.describe(files.load(FILE, ENV));
        TomlParseResult toml = Toml.parse(text);

        assertEquals(List.of(), toml.errors(), text);
        assertEquals("# effective configuration of " + files.name() + " (secrets masked)", text.lines().findFirst().orElseThrow());
        assertEquals("[::1]:8443", toml.getString("server.listen"));
        assertEquals(500L, toml.getLong("server.max_streams"));
        assertEquals("4MiB", toml.getString("server.max_body"));
        assertEquals("45s", toml.getString("server.drain_timeout"));
        assertEquals("2m", toml.getString("server.request_timeout"));
        assertEquals(50L, toml.getLong("server.max_headers"));
        assertEquals("10000B", toml.getString("server.max_header_bytes"));
        assertEquals(List.of("***", "***"), toml.getArray("server.client_keys").toList());
        assertEquals(false, toml.getBoolean("ping.enabled"));
        assertEquals("10s", toml.getString("ping.interval"));
        assertEquals("2500ms", toml.getString("ping.write_timeout"));
        assertEquals("0s", toml.getString("ping.header_grace"));
        assertEquals("say \"hi\" $$HOME\t#", toml.getString("ping.comment"));
        assertEquals("3s", toml.getString("upstream.connect_timeout"));
        assertEquals("20s", toml.getString("upstream.keepalive"));
        assertEquals("2m", toml.getString("stream.idle_timeout"));
        assertEquals("1h", toml.getString("stream.max_duration"));
        assertEquals("64KiB", toml.getString("stream.max_line"));
        assertEquals("text", toml.getString("log.format"));
        assertEquals("error", toml.getString("log.level"));
        assertEquals("0s", toml.getString("demo.think"));
        assertEquals(3L, toml.getLong("demo.tokens"));
        assertEquals("10ms", toml.getString("demo.token_interval"));

        TomlArray routes = toml.getArray("routes");
        assertEquals(2, routes.size());
        TomlTable first = routes.getTable(0);
        assertEquals("/v1", first.getString("prefix"));
        assertEquals("https://api.openai.com", first.getString("upstream"));
        assertEquals(Map.of("Authorization", "***", "X.Odd!Name", "***"), first.getTable("headers").toMap());
        assertEquals(false, first.getBoolean("ping"));
        assertEquals("openai", first.getString("errors"));
        TomlTable second = routes.getTable(1);
        assertEquals("/", second.getString("prefix"));
        assertEquals("demo", second.getString("upstream"));
        assertEquals(Map.of(), second.getTable("headers").toMap());
        assertEquals("auto", second.getString("errors"));
    }

    @Test
    void relayLoadsTheOutputBackToTheSameSettingsWithSecretsMasked() throws Exception {
        Config original = files.load(FILE, ENV);
        Config reloaded = files.load(ConfigPrinter.describe(original), Map.of());

        assertEquals(original.server().withClientKeys(List.of("***", "***")), reloaded.server());
        assertEquals(original.ping(), reloaded.ping());
        assertEquals("say \"hi\" $HOME\t#", reloaded.ping().comment());
        assertEquals(original.upstream(), reloaded.upstream());
        assertEquals(original.stream(), reloaded.stream());
        assertEquals(original.log(), reloaded.log());
        assertEquals(original.demo(), reloaded.demo());
        assertEquals(original.routes().size(), reloaded.routes().size());
        for (int i = 0; i < original.routes().size(); i++) {
            Route route = original.routes().get(i);
            Map<String, String> masked = new LinkedHashMap<>();
            route.headers().keySet().forEach(name -> masked.put(name, "***"));
            assertEquals(new Route(route.prefix(), route.target(), masked, route.ping(), route.errors()),
                    reloaded.routes().get(i));
        }
    }

    /** The issue 13 keys: what --check prints loads back to the same routes and keys. */
    @Test
    void routeSelectionMappingKeepaliveAndCorsRoundTrip() throws Exception {
        Config original = files.load("""
                [server]
                client_keys = ["ck-1", { key = "ck-2", name = "team-a", max_streams = 5 }]
                [[routes]]
                prefix = "/openai"
                upstream = "https://api.openai.com/v1"
                strip_prefix = true
                models = ["gpt-4o*", "o3"]
                keepalive_json = true
                errors = "responses"
                cors_origins = ["https://chat.example.com"]
                cors_headers = ["authorization"]
                cors_credentials = true
                [[routes]]
                prefix = "/openai"
                upstream = "http://127.0.0.1:8000"
                errors = "gemini"
                """, Map.of());
        Config reloaded = files.load(ConfigPrinter.describe(original), Map.of());
        assertEquals(original.routes(), reloaded.routes());
        assertEquals(List.of(new ClientKey("***", "key-1", 0), new ClientKey("***", "team-a", 5)),
                reloaded.server().clientKeys());
    }

    @Test
    void noSecretIsPrinted() throws Exception {
        String text = ConfigPrinter.describe(files.load(FILE, ENV));
        for (String secret : List.of("client-env-key", "client-literal-key", "sk-env-key", "literal-header-secret")) {
            assertFalse(text.contains(secret), secret + " in\n" + text);
        }
    }

    @Test
    void defaultsAreValidTomlToo() throws Exception {
        String text = ConfigPrinter.describe(files.load("[[routes]]\nprefix = \"/v1\"\nupstream = \"demo\"\n", Map.of()));
        TomlParseResult toml = Toml.parse(text);
        assertEquals(List.of(), toml.errors(), text);
        assertEquals("127.0.0.1:8080", toml.getString("server.listen"));
        assertEquals(List.of(), toml.getArray("server.client_keys").toList());
        assertEquals("32MiB", toml.getString("server.max_body"));
        assertEquals("5m", toml.getString("stream.idle_timeout"));
    }

    @Test
    void aFileNameWithALineBreakStaysInTheComment() {
        Config c = new Config(Path.of("odd\nname.toml"), ServerSettings.DEFAULTS, PingSettings.DEFAULTS,
                UpstreamSettings.DEFAULTS, StreamSettings.DEFAULTS, DemoSettings.DEFAULTS,
                List.of(new Route("/", new RouteTarget.Demo(), Map.of(), true, ErrorFormat.AUTO)));
        String text = ConfigPrinter.describe(c);
        assertEquals(List.of(), Toml.parse(text).errors(), text);
        assertEquals("# effective configuration of odd\\u000aname.toml (secrets masked)", text.lines().findFirst().orElseThrow());
    }
}
