package relay.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.testing.Await;
import relay.testing.TestClient;

/**
 * The Java 17 launcher for real: started on the machine's Java 17, it re-executes relay on JDK 25,
 * passes signals on so that a SIGTERM drains, and its child does not outlive it when it is killed.
 */
class LauncherProcessTest {
    private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    private static Process launch(Path dir, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(JAVA_17.toString(), "-cp",
                System.getProperty("java.class.path"), "relay.launch.Launcher"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
    }

    private static String output(Path dir) throws IOException {
        return Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Path demoConfig(Path dir, int port) throws IOException {
        return Files.writeString(dir.resolve("relay.toml"), """
                [server]
                listen = "127.0.0.1:%d"
                drain_timeout = "1s"
                [ping]
                interval = "200ms"
                [demo]
                think = "30s"
                [log]
                format = "text"
                [[routes]]
                prefix = "/v1"
                upstream = "demo"
                """.formatted(port));
    }

    @Test
    void onJava17TheLauncherRunsRelayOnJdk25(@TempDir Path dir) throws Exception {
        assertTrue(Files.isExecutable(JAVA_17), "this machine's default Java 17 is missing: " + JAVA_17);
        Process launcher = launch(dir, "--version");
        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, launcher.exitValue(), output(dir));
        assertTrue(output(dir).startsWith("relay "), output(dir));
    }

    @Test
    void sigtermToTheLauncherDrainsRelayAndPassesItsExitCode(@TempDir Path dir) throws Exception {
        int port = freePort();
        Process launcher = launch(dir, demoConfig(dir, port).toString());
        try {
            assertTrue(Await.until(() -> read(dir).contains(" listening on "), Duration.ofSeconds(30)), read(dir));
            try (TestClient client = TestClient.connect(new java.net.InetSocketAddress("127.0.0.1", port), Duration.ofSeconds(20))
                    .post("/v1/chat/completions", "{\"stream\":true}")) {
                assertTrue(client.nextBlock().isPing());
                launcher.destroy(); // SIGTERM to the launcher only: it must pass it on
                List<TestClient.Block> rest = client.remainingBlocks();
                assertTrue(rest.get(rest.size() - 1).text().contains("\"code\":\"shutdown\""), rest.toString());
            }
            assertTrue(launcher.waitFor(15, TimeUnit.SECONDS), read(dir));
            assertEquals(0, launcher.exitValue(), read(dir));
        } finally {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    @Test
    void relayDoesNotOutliveASigkilledLauncher(@TempDir Path dir) throws Exception {
        int port = freePort();
        Process launcher = launch(dir, demoConfig(dir, port).toString());
        try {
            assertTrue(Await.until(() -> read(dir).contains(" listening on "), Duration.ofSeconds(30)), read(dir));
            List<ProcessHandle> children = launcher.children().toList();
            assertEquals(1, children.size(), "the launcher should run exactly one relay JVM");
            launcher.destroyForcibly(); // SIGKILL: no hook runs in the launcher
            // get() fails the test with a TimeoutException if the orphaned relay JVM keeps running
            assertFalse(children.get(0).onExit().get(15, TimeUnit.SECONDS).isAlive());
        } finally {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static String read(Path dir) {
        try {
            return output(dir);
        } catch (IOException e) {
            return "";
        }
    }
}
