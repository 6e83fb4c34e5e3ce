package relay.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The bytes of the configuration file. A file that cannot be read has no line to point at, so its message
 * is {@code relay: <path>: what is wrong}, said in words (a directory, a missing file, no permission).
 */
final class ConfigFile {
    private ConfigFile() {
    }

    static byte[] read(Path file, SourceFile source) throws ConfigException {
        if (Files.isDirectory(file)) {
            throw source.unreadable("is a directory, not a config file");
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw source.unreadable("no such file");
        } catch (AccessDeniedException e) {
            throw source.unreadable("permission denied (relay runs as user " + System.getProperty("user.name") + ")");
        } catch (FileSystemException e) {
            throw source.unreadable("cannot read it: " + reason(e.getReason(), e));
        } catch (IOException e) {
            throw source.unreadable("cannot read it: " + reason(e.getMessage(), e));
        }
    }

    private static String reason(String text, IOException e) {
        return text == null || text.isBlank() ? e.getClass().getSimpleName() : Setting.printable(text);
    }
}
