package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

    @Test
    void unreadableFileSaysPermissionDenied() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root reads every file");
        Path file = Files.writeString(dir.resolve("secret.toml"), "[[routes]]\nprefix = \"/\"\nupstream = \"demo\"\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        assertEquals("relay: " + file + ": permission denied (relay runs as user " + System.getProperty("user.name")
                + ")", error(file));
    }
}
