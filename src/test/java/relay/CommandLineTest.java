package relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/**
 * What an operator sees from {@code relay ...}: the exit code and the text on stdout and stderr. Only paths
 * that return are run here; serving never returns.
 */
class CommandLineTest {
    private static final String VALID = """
            [server]
            listen = "127.0.0.1:18080"
            client_keys = ["${KEY}"]

            [ping]
            interval = "3s"

            [[routes]]
            prefix = "/v1"
            upstream = "https://api.openai.com"
            headers = { Authorization = "Bearer ${UPSTREAM_KEY}" }
            """;
    private static final Map<String, String> ENV = Map.of("KEY", "sk-secret-123456", "UPSTREAM_KEY", "sk-upstream-654321");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        CommandLine commandLine = new CommandLine(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return commandLine.run(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        assertEquals(0, run(Map.of(), "--help"));
        assertTrue(out().startsWith("usage: relay"), out());
        assertTrue(out().contains("--check") && out().contains("--version"), out());
        assertEquals("", err());
    }

    @Test
    void versionPrintsRelayAndItsVersion() {
        assertEquals(0, run(Map.of(), "--version"));
        String line = out().strip();
        assertTrue(line.matches("relay \\d+(\\.\\d+)+(-[A-Za-z0-9.]+)?"), "not a version line: '" + line + "'");
        assertEquals(1, out().lines().count(), out());
        assertEquals("", err());
    }

    @Test
    void noArgumentsIsAUsageErrorWithExitCodeTwo() {
        assertEquals(2, run(Map.of()));
        assertFalse(err().isBlank(), "no message for a missing config file argument");
        assertTrue(err().contains("--help"), err());
        assertEquals("", out());
    }

    @Test
    void unknownOptionIsAUsageErrorWithExitCodeTwo() {
        assertEquals(2, run(Map.of(), "--frobnicate"));
        assertTrue(err().contains("--frobnicate"), err());
        assertEquals("", out());
    }

    @Test
    void checkOnAValidFileExitsZeroAndPrintsTheEffectiveConfigAsToml() throws Exception {
        Path file = write("relay.toml", VALID);
        assertEquals(0, run(ENV, "--check", file.toString()));
        String printed = out();
        assertEquals("# effective configuration of " + file + " (secrets masked)", printed.lines().findFirst().orElseThrow());
        TomlParseResult toml = Toml.parse(printed);
        assertEquals(List.of(), toml.errors(), printed);
        // values from the file, and defaults for what it leaves out
        assertEquals("127.0.0.1:18080", toml.getString("server.listen"));
        assertEquals(List.of("***"), toml.getArray("server.client_keys").toList());
        assertEquals("3s", toml.getString("ping.interval"));
        assertEquals("5m", toml.getString("stream.idle_timeout"));
        assertEquals("16MiB", toml.getString("stream.max_line"));
        assertEquals("https://api.openai.com", toml.getArray("routes").getTable(0).getString("upstream"));
        assertEquals("***", toml.getArray("routes").getTable(0).getString("headers.Authorization"));
        assertEquals(file + ": ok" + System.lineSeparator(), err());
    }

    @Test
    void checkNeverPrintsSecretsFromTheEnvironment() throws Exception {
        Path file = write("relay.toml", VALID);
        assertEquals(0, run(ENV, "--check", file.toString()));
        String everything = out() + err();
        assertFalse(everything.contains("sk-secret-123456"), everything);
        assertFalse(everything.contains("123456"), everything);
        assertFalse(everything.contains("sk-upstream-654321"), everything);
        assertFalse(everything.contains("654321"), everything);
    }

    @Test
    void brokenConfigExitsTwoWithOneLineNamingFileAndLine() throws Exception {
        Path file = write("broken.toml", "[ping]\ninterval = \"10 parsecs\"\n[[routes]]\nprefix = \"/v1\"\nupstream = \"demo\"\n");
        assertEquals(2, run(Map.of(), "--check", file.toString()));
        List<String> lines = err().lines().toList();
        assertEquals(1, lines.size(), err());
        assertTrue(lines.get(0).startsWith(file + ":2:"), lines.get(0));
        assertTrue(lines.get(0).contains("interval"), lines.get(0));
        assertEquals("", out());
    }

    @Test
    void brokenConfigIsReportedTheSameWithoutCheck() throws Exception {
        // the serving path validates first and returns 2 before anything listens
        Path file = write("broken.toml", "[ping]\ninterval = \"10 parsecs\"\n[[routes]]\nprefix = \"/v1\"\nupstream = \"demo\"\n");
        assertEquals(2, run(Map.of(), file.toString()));
        List<String> lines = err().lines().toList();
        assertEquals(1, lines.size(), err());
        assertTrue(lines.get(0).startsWith(file + ":2:"), lines.get(0));
    }

    @Test
    void missingConfigFileExitsTwoWithOneLineNamingIt() {
        Path file = dir.resolve("does-not-exist.toml");
        assertEquals(2, run(Map.of(), "--check", file.toString()));
        assertEquals("relay: " + file + ": no such file" + System.lineSeparator(), err());
        assertEquals("", out());
    }

    @Test
    void directoryAsConfigFileExitsTwoSayingSo() {
        assertEquals(2, run(Map.of(), dir.toString()));
        assertEquals("relay: " + dir + ": is a directory, not a config file" + System.lineSeparator(), err());
        assertEquals("", out());
    }

    @Test
    void portInUseIsNamedAsHostColonPortAndExitsOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.ofLiteral("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Path file = write("relay.toml", "[server]\nlisten = \"127.0.0.1:" + port + "\"\n"
                    + "[[routes]]\nprefix = \"/v1\"\nupstream = \"demo\"\n");
            assertEquals(1, run(Map.of(), file.toString()));
            assertEquals("relay: cannot listen on 127.0.0.1:" + port + ": Address already in use"
                    + System.lineSeparator(), err());
        }
    }

    @Test
    void ipv6PortInUseIsNamedInBrackets() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.ofLiteral("::1"))) { // this machine kind has [::1]
            int port = taken.getLocalPort();
            Path file = write("relay.toml", "[server]\nlisten = \"[::1]:" + port + "\"\n"
                    + "[[routes]]\nprefix = \"/v1\"\nupstream = \"demo\"\n");
            assertEquals(1, run(Map.of(), file.toString()));
            assertEquals("relay: cannot listen on [::1]:" + port + ": Address already in use"
                    + System.lineSeparator(), err());
        }
    }

    @Test
    void missingEnvironmentVariableExitsTwoAndNamesTheVariableNotASecret() throws Exception {
        Path file = write("relay.toml", VALID);
        assertEquals(2, run(Map.of("KEY", "sk-secret-123456"), "--check", file.toString()));
        List<String> lines = err().lines().toList();
        assertEquals(1, lines.size(), err());
        assertTrue(lines.get(0).startsWith(file + ":"), lines.get(0));
        assertTrue(lines.get(0).contains("UPSTREAM_KEY"), lines.get(0));
        assertFalse(lines.get(0).contains("sk-secret-123456"), lines.get(0));
    }
}
