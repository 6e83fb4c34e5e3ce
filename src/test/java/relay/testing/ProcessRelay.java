package relay.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import relay.launch.JvmOptions;

/**
 * relay in its own JVM (its own {@code sun.net.httpserver.*} settings, its own signals), started from
 * the test classpath with {@code relay.Main} on JDK 25, output captured to a file.
 */
public final class ProcessRelay implements AutoCloseable {
    private final Process process;
    private final Path output;
    private final int port;

    private ProcessRelay(Process process, Path output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /** {@code toml} may use {@code ${PORT}}; it is replaced by a free loopback port. */
    public static ProcessRelay start(Path dir, String toml, String... jvmOptions) throws IOException, InterruptedException {
        return start(dir, toml, JvmOptions.REQUIRED, jvmOptions);
    }

    /** As {@link #start(Path, String, String...)}, with {@code baseOptions} instead of relay's required ones. */
    public static ProcessRelay start(Path dir, String toml, List<String> baseOptions, String... jvmOptions)
            throws IOException, InterruptedException {
        int port = freePort();
        Path config = dir.resolve("relay.toml");
        Files.writeString(config, toml.replace("${PORT}", Integer.toString(port)));
        Path output = dir.resolve("relay.out");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(baseOptions);
        command.addAll(List.of(jvmOptions));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("relay.Main");
        command.add(config.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        ProcessRelay relay = new ProcessRelay(process, output, port);
        if (!Await.until(() -> relay.output().contains(" listening on ") || !process.isAlive(), Duration.ofSeconds(20))
                || !process.isAlive()) {
            process.destroyForcibly();
            throw new IllegalStateException("relay did not start:\n" + relay.output());
        }
        return relay;
    }

    /** A port free on the loopback address relay will listen on (tests bind nothing else). */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    public TestClient client() throws IOException {
        return TestClient.connect(address(), Duration.ofSeconds(20));
    }

    public Process process() {
        return process;
    }

    public String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }
}
