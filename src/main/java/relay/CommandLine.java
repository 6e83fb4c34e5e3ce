package relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Properties;
import relay.config.Config;
import relay.config.ConfigException;
import relay.config.ConfigLoader;
import relay.config.ConfigPrinter;
import relay.config.ListenAddress;
import relay.ops.AccessLog;
import relay.proxy.RelayServer;
import relay.proxy.ServerProperties;
import relay.time.NanoClock;

/** Parses the command line and runs what it asks for; exit codes: 0 ok, 1 failure, 2 bad config or usage. */
final class CommandLine {
    static final int KEEP_RUNNING = -1;
    static final String USAGE = """
            usage: relay [--check] CONFIG.toml
                   relay --help | --version

            Relays Server-Sent-Events streams (LLM APIs) and keeps silent ones alive with heartbeats.

              CONFIG.toml   the configuration file (see README.md, "Configuration")
              --check       validate CONFIG.toml and exit: the effective configuration goes to stdout
                            as TOML (secrets masked as "***"), "CONFIG.toml: ok" to stderr
              --help        print this text
              --version     print relay's version

            Exit codes: 0 success, 1 runtime failure, 2 invalid configuration or usage.
            SIGTERM/SIGINT stop relay; SIGKILL ends it at once.""";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    CommandLine(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    int run(String[] args) {
        boolean check = false;
        String file = null;
        for (String arg : args) {
            switch (arg) {
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return 0;
                }
                case "--version" -> {
                    out.println("relay " + version());
                    return 0;
                }
                case "--check" -> check = true;
                default -> {
                    if (arg.startsWith("-") || file != null) {
                        err.println("relay: unexpected argument '" + arg + "' (see --help)");
                        return 2;
                    }
                    file = arg;
                }
            }
        }
        if (file == null) {
            err.println("relay: missing configuration file (see --help)");
            return 2;
        }
        Config config;
        try {
            config = ConfigLoader.load(Path.of(file), env);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 2;
        }
        if (check) {
            // stdout is the effective configuration alone, a TOML file; the verdict goes with the diagnostics.
            err.println(file + ": ok");
            out.print(ConfigPrinter.describe(config));
            return 0;
        }
        return serve(config);
    }

    private int serve(Config config) {
        ServerProperties.apply(config.server());
        AccessLog log = new AccessLog(out, InstantSource.system(), config.log());
        String listen = ListenAddress.format(config.server().listen());
        RelayServer server;
        try {
            server = RelayServer.start(config, log, NanoClock.SYSTEM);
        } catch (IOException e) {
            err.println("relay: cannot listen on " + listen + ": " + e.getMessage());
            return 1;
        }
        // Only once serving: a relay that failed to start (or a test calling run) keeps the JVM's handler.
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            // The JDK server's dispatcher dies silently otherwise, leaving a process that accepts nothing.
            err.println("relay: fatal error in thread " + thread.getName() + ": " + error);
            error.printStackTrace(err);
            Runtime.getRuntime().halt(1);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM/SIGINT (or the launcher going away): drain, then exit 0. A second signal during
            // the drain does not cut it short: the JVM runs its shutdown hooks once.
            log.info("relay draining: up to " + config.server().drainTimeout().toMillis() + "ms for active exchanges");
            server.drain(config.server().drainTimeout());
            log.info("relay stopped");
            out.flush();
            Runtime.getRuntime().halt(0);
        }, "relay-shutdown"));
        if (config.server().clientKeys().isEmpty() && !config.server().listen().getAddress().isLoopbackAddress()) {
            log.info("warning: listening on " + listen
                    + " without server.client_keys: anyone who can reach this port can use the upstreams' keys");
        }
        watchLauncher();
        log.info("relay " + version() + " listening on " + ListenAddress.format(server.address())
                + " ping.interval=" + config.ping().interval().toMillis() + "ms"
                + " ping.enabled=" + config.ping().enabled()
                + " stream.idle_timeout=" + config.stream().idleTimeout().toSeconds() + "s"
                + " stream.max_duration=" + config.stream().maxDuration().toSeconds() + "s"
                + " routes=" + config.routes().size()
                + " client_watch=" + (server.watchesClients() ? "on" : "off"));
        return KEEP_RUNNING;
    }

    /**
     * A child of the Java 17 launcher ends when the launcher does, even if the launcher was SIGKILLed.
     * The test is "my parent is no longer the launcher": the kernel re-parents this process at once,
     * while a killed launcher can stay a zombie (still "alive" to ProcessHandle) until it is reaped.
     */
    private void watchLauncher() {
        String pid = System.getProperty("relay.launcher.pid");
        if (pid == null) {
            return;
        }
        long launcher;
        try {
            launcher = Long.parseLong(pid);
        } catch (NumberFormatException e) {
            err.println("relay: ignoring invalid relay.launcher.pid");
            return;
        }
        Thread.ofVirtual().name("relay-launcher-watch").start(() -> {
            try {
                while (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == launcher) {
                    Thread.sleep(Duration.ofMillis(500));
                }
                System.exit(0); // the shutdown hook drains as for SIGTERM
            } catch (InterruptedException e) {
                // shutting down anyway
            }
        });
    }

    static String version() {
        try (InputStream in = CommandLine.class.getResourceAsStream("/relay/version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
