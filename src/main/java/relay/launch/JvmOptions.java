package relay.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The JVM options every start command relay ships carries (the launcher's child, bin/relay, the
 * Dockerfile, the k8s manifest; DeploymentFilesTest keeps them in step). Why each one is in the
 * README's "Sizing" and docs/benchmarks.md, "Issue 10": in short, relay's heap is mostly long-lived
 * per-connection buffers, and on one or two cores the serial collector with a small young
 * generation, large arrays allocated straight into the old generation and a heap that never resizes
 * keeps pauses short enough for the heartbeat.
 */
public final class JvmOptions {
    /**
     * What relay needs: the preview API, a visible exit instead of a half-dead JVM, and the client
     * watch's way to the client sockets (the JDK server's internals and the FFM API; without these
     * three relay runs, and notices a departed client only when a write to it fails).
     */
    public static final List<String> REQUIRED = List.of("--enable-preview", "-XX:+ExitOnOutOfMemoryError",
            "--add-opens=jdk.httpserver/sun.net.httpserver=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED");
    /** The three options of {@link #REQUIRED} that give relay the client watch. */
    public static final List<String> CLIENT_WATCH = REQUIRED.subList(2, REQUIRED.size());
    /** The collector and its tuning; left out as a whole when the operator names a collector. */
    public static final List<String> COLLECTOR = List.of(
            "-XX:+UseSerialGC", "-Xmn8m", "-XX:PretenureSizeThreshold=2048");
    /** Independent of the collector. */
    public static final List<String> COMMON = List.of(
            "-XX:+UseTransparentHugePages", "-XX:+UseCompactObjectHeaders");
    /**
     * Outside a container the heap is the JVM's default maximum (a quarter of memory), sized so
     * from the start so that the old generation never grows through a full collection.
     */
    public static final String HOST_HEAP = "-XX:InitialRAMPercentage=25";
    private static final Pattern COLLECTOR_CHOICE = Pattern.compile("-XX:\\+Use\\w*GC");

    private JvmOptions() {
    }

    /**
     * relay's options, then the operator's (which win: the last of two conflicting options counts),
     * except that a collector the operator chooses replaces relay's, because the JVM refuses two.
     */
    public static List<String> withOperatorOptions(List<String> operator) {
        List<String> options = new ArrayList<>(REQUIRED);
        if (operator.stream().noneMatch(o -> COLLECTOR_CHOICE.matcher(o).matches())) {
            options.addAll(COLLECTOR);
        }
        options.addAll(COMMON);
        options.add(HOST_HEAP);
        options.addAll(operator);
        return options;
    }
}
