package relay.launch;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The jar's entry point, compiled for Java 17 so that {@code java -jar relay.jar} works whatever the
 * default {@code java} is. relay itself needs JDK 25 with preview features (structured concurrency):
 * when this JVM cannot load it, the launcher finds a JDK 25 and runs relay there as a child process,
 * with the same arguments and standard streams, forwarding SIGTERM/SIGINT and the exit code.
 */
public final class Launcher {
    static final int REQUIRED_FEATURE = 25;
    private static final String MAIN_CLASS = "relay.Main";

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        Optional<Method> main = loadRelayMain();
        if (main.isPresent()) {
            invoke(main.get(), args);
            return;
        }
        Optional<Path> java = JdkFinder.fromEnvironment().find();
        if (java.isEmpty()) {
            System.err.println("relay: needs JDK " + REQUIRED_FEATURE + " (this is Java "
                    + Runtime.version().feature() + "); set JAVA_HOME to a JDK " + REQUIRED_FEATURE
                    + " or install one under /usr/lib/jvm");
            System.exit(1);
        }
        System.exit(runChild(java.get(), args));
    }

    /** The real main class loads only on JDK 25 with --enable-preview; anywhere else it is absent. */
    private static Optional<Method> loadRelayMain() {
        try {
            Class<?> type = Class.forName(MAIN_CLASS);
            return Optional.of(type.getMethod("main", String[].class));
        } catch (UnsupportedClassVersionError | ClassNotFoundException | NoSuchMethodException e) {
            return Optional.empty();
        }
    }

    private static void invoke(Method main, String[] args) throws Exception {
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    private static int runChild(Path java, String[] args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(JvmOptions.withOperatorOptions(extraJvmOptions()));
        // Lets the child end itself if this launcher is SIGKILLed (it would otherwise be orphaned).
        command.add("-Drelay.launcher.pid=" + ProcessHandle.current().pid());
        command.add("-cp");
        command.add(classPath());
        command.add(MAIN_CLASS);
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command).inheritIO().start();
        Thread forwarder = new Thread(() -> {
            // SIGTERM/SIGINT reach this hook; pass them on and exit with the child's own status.
            child.destroy();
            try {
                Runtime.getRuntime().halt(child.waitFor());
            } catch (InterruptedException e) {
                Runtime.getRuntime().halt(130);
            }
        }, "relay-signal-forwarder");
        Runtime.getRuntime().addShutdownHook(forwarder);
        // On a normal exit the hook still runs: the child is already gone and its code is passed on.
        return child.waitFor();
    }

    /** RELAY_JAVA_OPTS (whitespace-separated) lets an operator size the heap without the direct form. */
    private static List<String> extraJvmOptions() {
        String options = System.getenv("RELAY_JAVA_OPTS");
        List<String> result = new ArrayList<>();
        if (options != null) {
            for (String option : options.trim().split("\\s+")) {
                if (!option.isEmpty()) {
                    result.add(option);
                }
            }
        }
        return result;
    }

    /**
     * The child runs with this JVM's class path: the jar itself for {@code java -jar relay.jar}, and
     * the same entries when the launcher is started with {@code -cp} (as the tests do).
     */
    private static String classPath() {
        String classPath = System.getProperty("java.class.path");
        if (classPath != null && !classPath.isBlank()) {
            return classPath;
        }
        try {
            return Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate relay's own jar", e);
        }
    }

    /** Looks for a JDK 25 {@code java}: JAVA_HOME, then PATH, then every JDK under /usr/lib/jvm. */
    static final class JdkFinder {
        private final List<Path> candidateHomes;

        JdkFinder(List<Path> candidateHomes) {
            this.candidateHomes = candidateHomes;
        }

        static JdkFinder fromEnvironment() {
            Set<Path> homes = new LinkedHashSet<>();
            String javaHome = System.getenv("JAVA_HOME");
            if (javaHome != null && !javaHome.isBlank()) {
                homes.add(Path.of(javaHome));
            }
            String path = System.getenv("PATH");
            if (path != null) {
                for (String dir : path.split(java.io.File.pathSeparator)) {
                    if (dir.isEmpty()) {
                        continue;
                    }
                    Path java = Path.of(dir, "java");
                    if (Files.isExecutable(java)) {
                        try {
                            Path real = java.toRealPath();
                            if (real.getParent() != null && real.getParent().getParent() != null) {
                                homes.add(real.getParent().getParent());
                            }
                        } catch (IOException ignored) {
                            // a dangling link on PATH is not a JDK
                        }
                    }
                }
            }
            Path jvmDir = Path.of("/usr/lib/jvm");
            if (Files.isDirectory(jvmDir)) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(jvmDir)) {
                    List<Path> sorted = new ArrayList<>();
                    entries.forEach(sorted::add);
                    sorted.sort(null);
                    homes.addAll(sorted);
                } catch (IOException ignored) {
                    // unreadable: nothing found there
                }
            }
            return new JdkFinder(new ArrayList<>(homes));
        }

        Optional<Path> find() {
            for (Path home : candidateHomes) {
                Path java = home.resolve("bin").resolve("java");
                if (Files.isExecutable(java) && featureVersion(home) == REQUIRED_FEATURE) {
                    return Optional.of(java);
                }
            }
            return Optional.empty();
        }

        /** Reads JAVA_VERSION from the JDK's {@code release} file, so no process has to be started. */
        static int featureVersion(Path home) {
            Path release = home.resolve("release");
            try {
                for (String line : Files.readAllLines(release)) {
                    if (line.startsWith("JAVA_VERSION=")) {
                        String version = line.substring("JAVA_VERSION=".length()).replace("\"", "").trim();
                        String feature = version.split("[.+\\-]")[0];
                        return Integer.parseInt(feature);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
            return -1;
        }
    }
}
