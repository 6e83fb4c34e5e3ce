package relay.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A config file in a test's temporary directory, and what loading it says. */
final class TestFiles {
    private final Path file;

    TestFiles(Path dir) {
        this.file = dir.resolve("config.toml");
    }

    /** The name every message starts with. */
    String name() {
        return file.toString();
    }

    Path write(String toml) {
        try {
            return Files.writeString(file, toml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Config load(String toml, Map<String, String> env) throws ConfigException {
        return ConfigLoader.load(write(toml), env);
    }

    /** The one message loading {@code toml} fails with. */
    String error(String toml, Map<String, String> env) {
        Path written = write(toml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(written, env)).getMessage();
    }
}
