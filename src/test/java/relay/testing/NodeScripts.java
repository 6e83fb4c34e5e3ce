package relay.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Node scripts in src/test/js (official SDKs, playwright-core), with the versions its
 * package-lock.json pins, installed by {@code npm ci} when missing.
 */
public final class NodeScripts {
    public static final Path DIR = Path.of("src/test/js");

    private NodeScripts() {
    }

    public record Result(int code, String output) {
    }

    /** Installs the locked packages unless every one of {@code packages} is already there. */
    public static void install(String... packages) throws Exception {
        for (String name : packages) {
            if (!Files.isDirectory(DIR.resolve("node_modules").resolve(name))) {
                Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Duration.ofMinutes(5));
                assertEquals(0, install.code(), "npm ci failed:\n" + install.output());
                return;
            }
        }
    }

    /** Runs {@code command} in src/test/js; fails the test if it does not end within {@code timeout}. */
    public static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            process.destroyForcibly();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ended, command + " did not finish:\n" + output);
        return new Result(process.exitValue(), output.trim());
    }
}
