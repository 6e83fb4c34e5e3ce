package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A route's cors_origins, cors_headers and cors_credentials: read, printed by --check, and their mistakes. */
class CorsConfigTest {
    private static final String ROUTE = "[[routes]]\nprefix = \"/v1\"\nupstream = \"demo\"\n";

    @TempDir
    Path dir;

    private Path write(String toml) throws Exception {
        return Files.writeString(dir.resolve("config.toml"), toml);
    }

    private String error(String toml) throws Exception {
        Path file = write(toml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of())).getMessage();
    }

    @Test
    void readAndPrinted() throws Exception {
        Config c = ConfigLoader.load(write(ROUTE + """
                cors_origins = ["https://app.example.com", "http://localhost:5173"]
                cors_headers = ["Authorization", "content-type"]
                cors_credentials = true
                """), Map.of());
        assertEquals(new CorsSettings(List.of("https://app.example.com", "http://localhost:5173"),
                Optional.of(List.of("authorization", "content-type")), true), c.routes().getFirst().cors());
        String printed = ConfigPrinter.describe(c);
        assertTrue(printed.contains("cors_origins     = [\"https://app.example.com\", \"http://localhost:5173\"]"), printed);
        assertTrue(printed.contains("cors_headers     = [\"authorization\", \"content-type\"]"), printed);
        assertTrue(printed.contains("cors_credentials = true"), printed);
        assertEquals(CorsSettings.NONE, ConfigLoader.load(write(ROUTE), Map.of()).routes().getFirst().cors());
    }

    @Test
    void mistakes() throws Exception {
        String file = dir.resolve("config.toml").toString();
        assertEquals(file + ":4:17: routes[0].cors_origins[0] = \"https://app.example.com/\": must be \"*\" or an origin as"
                        + " a browser sends it: scheme://host[:port], without a path or a trailing '/' (e.g."
                        + " \"https://app.example.com\")",
                error(ROUTE + "cors_origins = [\"https://app.example.com/\"]\n"));
        assertTrue(error(ROUTE + "cors_origins = [\"*\"]\ncors_credentials = true\n")
                .contains("routes[0].cors_credentials = true: cannot be true with cors_origins = [\"*\"]"));
        assertTrue(error(ROUTE + "cors_credentials = true\n").contains("needs cors_origins"));
        assertTrue(error(ROUTE + "cors_origins = []\n").contains("is empty"));
    }
}
