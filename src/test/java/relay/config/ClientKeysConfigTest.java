package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.client_keys} as strings, inline tables and {@code [[server.client_keys]]}, and their mistakes. */
class ClientKeysConfigTest {
    private static final String ROUTE = "[[routes]]\nprefix = \"/v1\"\nupstream = \"demo\"\n";

    @TempDir
    Path dir;

    private Config load(String toml, Map<String, String> env) throws Exception {
        return ConfigLoader.load(Files.writeString(dir.resolve("config.toml"), toml), env);
    }

    private String error(String toml) throws IOException {
        Path file = Files.writeString(dir.resolve("config.toml"), toml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of())).getMessage();
    }

    @Test
    void stringsAndTablesMixWithNamesAndLimits() throws Exception {
        Config c = load("""
                [server]
                max_streams = 100
                client_keys = ["ck-plain", { key = "${TEAM_A}", name = "team-a", max_streams = 10 }, { key = "ck-b", name = "team-b" }]
                """ + ROUTE, Map.of("TEAM_A", "ck-team-a"));
        assertEquals(List.of(new ClientKey("ck-plain", "key-1", 0), new ClientKey("ck-team-a", "team-a", 10),
                new ClientKey("ck-b", "team-b", 0)), c.server().clientKeys());
        String printed = ConfigPrinter.describe(c);
        assertTrue(printed.contains("client_keys      = [\"***\", { key = \"***\", name = \"team-a\", max_streams = 10 }, "
                + "{ key = \"***\", name = \"team-b\" }]  # 3 keys, values hidden"), printed);
        assertFalse(printed.contains("ck-"), printed);
    }

    /** The README's example, multi-line with comments and a trailing comma. */
    @Test
    void theReadmeExampleLoads() throws Exception {
        Config c = load("""
                [server]
                max_streams = 1000
                client_keys = [
                  "${RELAY_CLIENT_KEY}",                                                  # key-1, no limit of its own
                  { key = "${TEAM_A_KEY}", name = "team-a", max_streams = 200 },
                  { key = "${BATCH_KEY}", name = "nightly-batch", max_streams = 20 },
                ]
                """ + ROUTE, Map.of("RELAY_CLIENT_KEY", "ck-1", "TEAM_A_KEY", "ck-2", "BATCH_KEY", "ck-3"));
        assertEquals(List.of("key-1", "team-a", "nightly-batch"),
                c.server().clientKeys().stream().map(ClientKey::name).toList());
    }

    @Test
    void anArrayOfTablesWorksToo() throws Exception {
        Config c = load("""
                [[server.client_keys]]
                key = "ck-one"
                name = "batch"
                max_streams = 2
                """ + ROUTE, Map.of());
        assertEquals(List.of(new ClientKey("ck-one", "batch", 2)), c.server().clientKeys());
    }

    @Test
    void mistakesNameTheFileLineAndColumnAndNeverTheKey() throws Exception {
        String file = dir.resolve("config.toml").toString();
        assertEquals(file + ":2:16: server.client_keys[0] has no key (add key = \"${CLIENT_KEY}\")",
                error("[server]\nclient_keys = [{ name = \"a\" }]\n" + ROUTE));
        assertEquals(file + ":2:39: server.client_keys[0].name = \"team a\": must be 1 to 64 letters, digits, '_', "
                        + "'.', ':' or '-' (it is a log field and a metrics label)",
                error("[server]\nclient_keys = [{ key = \"ck-secret-1\", name = \"team a\" }]\n" + ROUTE));
        String over = error("[server]\nmax_streams = 10\nclient_keys = [{ key = \"ck-secret-1\", max_streams = 10 }]\n"
                + ROUTE);
        assertTrue(over.startsWith(file + ":3:"), over);
        assertTrue(over.contains("server.client_keys[0].max_streams = 10: must be below server.max_streams (10)"), over);
        String twice = error("[server]\nclient_keys = [{ key = \"ck-secret-1\", name = \"a\" }, "
                + "{ key = \"ck-secret-2\", name = \"a\" }]\n" + ROUTE);
        assertTrue(twice.contains("server.client_keys[1].name \"a\" is already the name of server.client_keys[0]"), twice);
        String wrongType = error("[server]\nclient_keys = [42]\n" + ROUTE);
        assertTrue(wrongType.contains("server.client_keys[0] must be a string or a table, got"), wrongType);
        for (String message : List.of(over, twice)) {
            assertFalse(message.contains("ck-secret"), message);
        }
    }
}
