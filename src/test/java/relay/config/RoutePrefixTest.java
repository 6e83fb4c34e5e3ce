package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A prefix means what it says to RouteTable, and an upstream path never repeats it. */
class RoutePrefixTest {
    @TempDir
    Path dir;

    private TestFiles files;

    @BeforeEach
    void setUp() {
        files = new TestFiles(dir);
    }

    private static String route(String prefix, String upstream) {
        return "[[routes]]\nprefix = \"" + prefix + "\"\nupstream = \"" + upstream + "\"\n";
    }

    private URI base(String prefix, String upstream, Map<String, String> env) throws ConfigException {
        return ((RouteTarget.Http) files.load(route(prefix, upstream), env).routes().getFirst().target()).base();
    }

    // ---- an upstream path that ends with the prefix would send /v1/v1/... ----

    @Test
    void openAiBaseUrlWithTheV1PrefixIsAnErrorWithTheFix() {
        assertEquals(files.name() + ":3:1: routes[0].upstream: its path \"/v1\" repeats the route prefix \"/v1\":"
                        + " relay appends the whole request path, so requests would go to /v1/v1/...;"
                        + " write upstream = \"https://api.openai.com\""
                        + ", or keep it and set strip_prefix = true (its path then replaces the prefix)",
                files.error(route("/v1", "https://api.openai.com/v1"), Map.of()));
    }

    @Test
    void trailingSlashOnTheUpstreamDoesNotHideTheRepetition() {
        assertEquals(files.name() + ":3:1: routes[0].upstream: its path \"/v1\" repeats the route prefix \"/v1\":"
                        + " relay appends the whole request path, so requests would go to /v1/v1/...;"
                        + " write upstream = \"https://api.openai.com\""
                        + ", or keep it and set strip_prefix = true (its path then replaces the prefix)",
                files.error(route("/v1", "https://api.openai.com/v1/"), Map.of()));
    }

    @Test
    void longerUpstreamPathEndingWithThePrefixIsAnError() {
        assertEquals(files.name() + ":3:1: routes[0].upstream: its path \"/openai/v1\" repeats the route prefix"
                        + " \"/v1\": relay appends the whole request path, so requests would go to /openai/v1/v1/...;"
                        + " write upstream = \"http://127.0.0.1:8081/openai\""
                        + ", or keep it and set strip_prefix = true (its path then replaces the prefix)",
                files.error(route("/v1", "http://127.0.0.1:8081/openai/v1"), Map.of()));
    }

    @Test
    void theSuggestedFixKeepsTheFilesVariableReferences() {
        assertEquals(files.name() + ":3:1: routes[0].upstream: its path \"/v1\" repeats the route prefix \"/v1\":"
                        + " relay appends the whole request path, so requests would go to /v1/v1/...;"
                        + " write upstream = \"https://${HOST}\""
                        + ", or keep it and set strip_prefix = true (its path then replaces the prefix)",
                files.error(route("/v1", "https://${HOST}/v1"), Map.of("HOST", "api.example.com")));
    }

    @Test
    void aPathFromTheEnvironmentIsCaughtToo() {
        assertEquals(files.name() + ":3:1: routes[0].upstream: its path \"/v1\" repeats the route prefix \"/v1\":"
                        + " relay appends the whole request path, so requests would go to /v1/v1/...;"
                        + " write upstream = \"https://api.example.com\""
                        + ", or keep it and set strip_prefix = true (its path then replaces the prefix)",
                files.error(route("/v1", "${BASE}"), Map.of("BASE", "https://api.example.com/v1/")));
    }

    @Test
    void withStripPrefixTheUpstreamPathMayEndWithThePrefix() throws Exception {
        Config c = files.load(route("/v1", "https://api.openai.com/v1") + "strip_prefix = true\n", Map.of());
        assertTrue(c.routes().getFirst().match().stripPrefix());
    }

    @Test
    void otherUpstreamPathsStayLegal() throws Exception {
        assertEquals(URI.create("https://gw.example.com/openai"), base("/v1", "https://gw.example.com/openai/", Map.of()));
        assertEquals(URI.create("https://gw.example.com/v1"), base("/v10", "https://gw.example.com/v1", Map.of()));
        assertEquals(URI.create("https://gw.example.com/xv1"), base("/v1", "https://gw.example.com/xv1", Map.of()));
        assertEquals(URI.create("https://gw.example.com/v1/v2"), base("/v1", "https://gw.example.com/v1/v2", Map.of()));
        assertEquals(URI.create("https://gw.example.com/v1"), base("/", "https://gw.example.com/v1", Map.of()));
        assertEquals(URI.create("https://api.openai.com"), base("/v1", "https://api.openai.com/", Map.of()));
    }

    // ---- a trailing slash would make the prefix itself a 404 (RouteTable matches "/v1/" only below it) ----

    @Test
    void prefixWithTrailingSlashIsAnErrorWithTheFix() {
        assertEquals(files.name() + ":2:1: routes[0].prefix = \"/v1/\": must not end with '/': it would not match"
                        + " /v1 itself (a 404); write prefix = \"/v1\", which matches /v1 and /v1/...",
                files.error(route("/v1/", "demo"), Map.of()));
    }

    @Test
    void onlySlashesFoldToTheRootPrefix() {
        assertEquals(files.name() + ":2:1: routes[0].prefix = \"//\": must not end with '/': it would not match"
                        + " / itself (a 404); write prefix = \"/\", which matches / and /...",
                files.error(route("//", "demo"), Map.of()));
    }

    @Test
    void theRootPrefixIsLegal() throws Exception {
        assertEquals("/", files.load(route("/", "demo"), Map.of()).routes().getFirst().prefix());
    }
}
