package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file that cannot be read is named, with the reason in words, not an exception's class name. */
class ConfigFileTest {
    @TempDir
    Path dir;

    private static String error(Path file) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of())).getMessage();
    }

    @Test
    void directoryIsNotAConfigFile() {
        assertEquals("relay: " + dir + ": is a directory, not a config file", error(dir));
    }

    @Test
    void missingFileSaysSo() {
        Path missing = dir.resolve("nope.toml");
        assertEquals("relay: " + missing + ": no such file", error(missing));
    }

    @Test
    void aFileUsedAsADirectoryGivesTheSystemsReason() throws Exception {
        Path file = Files.writeString(dir.resolve("plain"), "");
        Path below = file.resolve("config.toml");
        assertEquals("relay: " + below + ": cannot read it: Not a directory", error(below));
    }
}
