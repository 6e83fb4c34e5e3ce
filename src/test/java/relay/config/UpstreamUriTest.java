package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IPv6 literal upstreams load, keep their brackets and port, and --check prints them as written. */
class UpstreamUriTest {
    @TempDir
    Path dir;

    private TestFiles files;

    @BeforeEach
    void setUp() {
        files = new TestFiles(dir);
    }

    private static String route(String upstream) {
        return "[[routes]]\nprefix = \"/v1\"\nupstream = \"" + upstream + "\"\n";
    }

    @Test
    void ipv6LiteralUpstreamLoadsWithItsPort() throws Exception {
        Config c = files.load(route("https://[::1]:8443/"), Map.of());
        URI base = ((RouteTarget.Http) c.routes().getFirst().target()).base();
        assertEquals(URI.create("https://[::1]:8443"), base);
        assertEquals("[::1]", base.getHost());
        assertEquals(8443, base.getPort());
    }

    @Test
    void ipv6LiteralUpstreamIsPrintedWithBrackets() throws Exception {
        String text = ConfigPrinter.describe(files.load(route("http://[2001:db8::7]:9000/api"), Map.of()));
        assertTrue(text.contains("\nupstream         = \"http://[2001:db8::7]:9000/api\"\n"), text);
    }

    @Test
    void ipv6WithoutBracketsSaysHowToWriteIt() {
        assertEquals(files.name() + ":3:1: routes[0].upstream: has an IPv6 address without brackets"
                        + " (write e.g. \"https://[::1]:8443\")",
                files.error(route("https://::1:8443"), Map.of()));
    }

    @Test
    void unclosedIpv6BracketIsAnInvalidUrl() {
        assertEquals(files.name() + ":3:1: routes[0].upstream: is not a valid URL"
                        + " (Expected closing bracket for IPv6 address)",
                files.error(route("https://[::1:8443"), Map.of()));
    }
}
