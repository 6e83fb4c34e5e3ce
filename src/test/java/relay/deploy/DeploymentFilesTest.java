package relay.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.config.Config;
import relay.config.ConfigException;
import relay.config.ConfigLoader;
import relay.config.ServerSettings;
import relay.launch.JvmOptions;

/**
 * No cluster, container engine or init system runs here, so the deployment files (docs/deploy.md) are
 * checked against the code instead: the probes ask endpoints relay answers, every port is the one the
 * shipped configuration listens on, the image runs the jar the build writes with the flags relay
 * needs, the shutdown budgets outlast the drain, and the configurations load with relay's own loader.
 */
class DeploymentFilesTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    /** docs/benchmarks.md sizing assumptions: ~150 MiB base plus ~64 KiB per concurrent stream. */
    private static final long BASE_BYTES = 150L << 20;
    private static final long BYTES_PER_STREAM = 64L << 10;
    /** The smallest default idle timeout in front of relay that pings can beat (AWS ALB, nginx). */
    private static final Duration SMALLEST_IDLE_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void everyManifestParsesAndNamesItsKind() {
        List<Path> manifests = files(ROOT.resolve("deploy/k8s"), ".yaml");
        Set<String> kinds = new TreeSet<>();
        for (Path file : manifests) {
            for (Object document : MiniYaml.documents(file.toString(), read(file))) {
                assertNotNull(at(document, "apiVersion"), file + ": apiVersion");
                assertNotNull(at(document, "metadata", "name"), file + ": metadata.name");
                kinds.add(string(at(document, "kind")));
            }
        }
        assertEquals(
                new TreeSet<>(Set.of("ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                        "Service")),
                kinds);
        Path adapter = ROOT.resolve("deploy/prometheus-adapter/values.yaml");
        assertEquals(1, MiniYaml.documents(adapter.toString(), read(adapter)).size());
    }

    @Test
    void probesAskEndpointsRelayAnswers() {
        String ops = read(ROOT.resolve("src/main/java/relay/proxy/OpsHandler.java"));
        Map<String, Object> container = relayContainer();
        assertEquals("/readyz", at(container, "readinessProbe", "httpGet", "path"));
        assertEquals("/healthz", at(container, "livenessProbe", "httpGet", "path"));
        assertEquals("/healthz", at(container, "startupProbe", "httpGet", "path"));
        for (String path : List.of("/readyz", "/healthz")) {
            assertTrue(ops.contains('"' + path + '"'), "OpsHandler answers " + path);
        }
        assertTrue(String.join(" ", healthcheck()).contains("GET /healthz "), "HEALTHCHECK asks /healthz");
    }

    @Test
    void everyPortIsTheConfiguredListenPort() throws Exception {
        Config config = load(configMapToml());
        int port = config.server().listen().getPort();
        assertTrue(config.server().listen().getAddress().isAnyLocalAddress(),
                "the ConfigMap listens on all interfaces, not " + config.server().listen());

        Map<String, Object> container = relayContainer();
        Map<String, Integer> named = new LinkedHashMap<>();
        for (Object p : list(at(container, "ports"))) {
            named.put(string(at(p, "name")), Integer.parseInt(string(at(p, "containerPort"))));
        }
        assertEquals(Map.of("http", port), named);
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertEquals(port, resolvePort(at(container, probe, "httpGet", "port"), named), probe);
        }
        assertEquals(port, resolvePort(at(service(), "spec", "ports", 0, "targetPort"), named), "Service targetPort");
        assertEquals(String.valueOf(port),
                at(deployment(), "spec", "template", "metadata", "annotations", "prometheus.io/port"));

        Config imageConfig = load(read(ROOT.resolve("deploy/docker/config.toml")));
        int imagePort = imageConfig.server().listen().getPort();
        assertTrue(imageConfig.server().listen().getAddress().isAnyLocalAddress(), "the image's config listens on all interfaces");
        assertEquals(List.of(imagePort + ""), dockerfile("EXPOSE").stream().map(e -> e.replace("/tcp", "")).toList());
        assertTrue(String.join(" ", healthcheck()).contains("/dev/tcp/127.0.0.1/" + imagePort + " "),
                "HEALTHCHECK connects to port " + imagePort);
        assertEquals(port, imagePort, "the image and the Deployment use the same port");
    }

    @Test
    void podsOutliveThePreStopSleepPlusTheDrain() throws Exception {
        Duration drain = load(configMapToml()).server().drainTimeout();
        List<Object> preStop = list(at(relayContainer(), "lifecycle", "preStop", "exec", "command"));
        assertEquals("sleep", preStop.getFirst());
        long sleep = Long.parseLong(string(preStop.get(1)));
        long grace = Long.parseLong(string(at(deployment(), "spec", "template", "spec", "terminationGracePeriodSeconds")));
        assertTrue(grace > sleep + drain.toSeconds(),
                "terminationGracePeriodSeconds " + grace + " > preStop " + sleep + " s + drain_timeout " + drain);
    }

    @Test
    void theImageRunsTheJarTheBuildWrites() {
        Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(read(ROOT.resolve("pom.xml")));
        assertTrue(finalName.find(), "pom.xml names the jar");
        String built = "target/" + finalName.group(1) + ".jar";

        String copy = dockerfile("COPY").stream()
                .filter(c -> c.startsWith("--from=build ")).findFirst().orElseThrow();
        String[] words = copy.split("\\s+");
        assertTrue(words[1].endsWith("/" + built), "the image copies " + built + ", not " + words[1]);
        String jarInImage = words[2];

        List<String> entrypoint = json(dockerfile("ENTRYPOINT").getLast());
        assertEquals(jarInImage, entrypoint.get(entrypoint.indexOf("-jar") + 1));
        List<String> command = strings(at(relayContainer(), "command"));
        assertEquals(jarInImage, command.get(command.indexOf("-jar") + 1));
        assertTrue(dockerfile("RUN").stream().anyMatch(r -> r.contains("./mvnw") && r.contains("package")),
                "the build stage packages the jar with the wrapper");

        // the Deployment's last argument is the ConfigMap's file where the volume mounts it
        String configPath = command.getLast();
        String mount = volumeMountOf("relay-config");
        String key = configMap().keySet().iterator().next();
        assertEquals(mount + "/" + key, configPath);
        assertTrue(read(ROOT.resolve("deploy/build-dist.sh")).contains("$root/target/" + finalName.group(1) + ".jar"));
    }

    @Test
    void everyStartCommandCarriesTheSameJvmOptions() {
        // relay's options in the launcher's order: preview, OOM exit, collector, the rest; then the heap
        List<String> tuning = new ArrayList<>(JvmOptions.REQUIRED);
        tuning.addAll(JvmOptions.COLLECTOR);
        tuning.addAll(JvmOptions.COMMON);
        List<String> launcher = JvmOptions.withOperatorOptions(List.of());
        assertEquals(tuning, launcher.subList(0, tuning.size()), "the launcher's child");
        assertEquals(List.of(JvmOptions.HOST_HEAP), launcher.subList(tuning.size(), launcher.size()));

        List<String> entrypoint = json(dockerfile("ENTRYPOINT").getLast());
        List<String> command = strings(at(relayContainer(), "command"));
        for (Map.Entry<String, List<String>> container : Map.of("Dockerfile ENTRYPOINT", entrypoint,
                "Deployment command", command).entrySet()) {
            List<String> argv = container.getValue();
            assertEquals("java", argv.getFirst(), container.getKey());
            assertEquals(tuning, argv.subList(1, 1 + tuning.size()), container.getKey());
            // a heap fixed at its size: the initial share of the container's memory is the maximum share
            assertEquals(List.of("-XX:InitialRAMPercentage=70", "-XX:MaxRAMPercentage=70"),
                    argv.subList(1 + tuning.size(), argv.indexOf("-jar")), container.getKey());
        }

        List<String> script = read(ROOT.resolve("deploy/build-dist.sh")).lines().toList();
        String collector = script.stream().filter(l -> l.startsWith("collector=\"")).findFirst().orElseThrow();
        assertEquals("collector=\"" + String.join(" ", JvmOptions.COLLECTOR) + "\"", collector, "bin/relay");
        String exec = script.stream().filter(l -> l.contains("runtime/bin/java")).findFirst().orElseThrow();
        List<String> scriptTuning = new ArrayList<>(JvmOptions.REQUIRED);
        scriptTuning.add("$collector");
        scriptTuning.addAll(JvmOptions.COMMON);
        scriptTuning.add(JvmOptions.HOST_HEAP);
        scriptTuning.add("$aot");
        scriptTuning.add("${RELAY_JAVA_OPTS:-}");
        assertTrue(exec.contains(" " + String.join(" ", scriptTuning) + " "), "bin/relay: " + exec);
        assertTrue(systemd().get("ExecStart").startsWith("/opt/relay/bin/relay "), "the unit runs bin/relay");
    }

    @Test
    void shippedConfigurationsLoadWithRelaysLoader() throws Exception {
        Config cluster = load(configMapToml());
        assertFalse(cluster.routes().isEmpty());
        assertFalse(cluster.server().clientKeys().isEmpty(),
                "a pod reachable from the cluster (or an Ingress) asks its clients for a key");
        load(read(ROOT.resolve("deploy/docker/config.toml")));
    }

    @Test
    void everyVariableTheConfigMapNeedsComesFromTheSecret() {
        Set<String> fromSecret = new TreeSet<>();
        for (Object env : list(at(relayContainer(), "env"))) {
            if (at(env, "valueFrom", "secretKeyRef", "name") != null) {
                fromSecret.add(string(at(env, "name")));
            }
        }
        Set<String> needed = new TreeSet<>(variables(configMapToml()));
        assertFalse(needed.isEmpty(), "the ConfigMap takes its upstream key from the environment");
        assertEquals(needed, fromSecret);
    }

    @Test
    void resourcesAndAutoscalingFitMaxStreams() throws Exception {
        int maxStreams = load(configMapToml()).server().maxStreams();
        long memory = quantity(string(at(relayContainer(), "resources", "limits", "memory")));
        long needed = BASE_BYTES + maxStreams * BYTES_PER_STREAM;
        assertTrue(memory >= needed, "memory limit " + memory + " >= " + needed + " for " + maxStreams + " streams");
        assertEquals(memory, quantity(string(at(relayContainer(), "resources", "requests", "memory"))),
                "memory request = limit: no overcommitted memory to be OOM-killed for");

        Object hpa = manifest("hpa.yaml");
        assertEquals("Deployment", at(hpa, "spec", "scaleTargetRef", "kind"));
        assertEquals(at(deployment(), "metadata", "name"), at(hpa, "spec", "scaleTargetRef", "name"));
        Object streams = list(at(hpa, "spec", "metrics")).stream()
                .filter(m -> "Pods".equals(at(m, "type"))).findFirst().orElseThrow();
        assertEquals("relay_active_streams", at(streams, "pods", "metric", "name"));
        long target = Long.parseLong(string(at(streams, "pods", "target", "averageValue")));
        assertTrue(target > 0 && target < maxStreams, "HPA target " + target + " below max_streams " + maxStreams);
        assertTrue(Integer.parseInt(string(at(hpa, "spec", "minReplicas"))) >= 2,
                "two pods at least, so a disruption (PDB maxUnavailable 1) leaves one serving");
    }

    @Test
    void selectorsMatchThePodLabels() {
        Map<String, Object> podLabels = map(at(deployment(), "spec", "template", "metadata", "labels"));
        List<Object> selectors = List.of(
                at(deployment(), "spec", "selector", "matchLabels"),
                at(service(), "spec", "selector"),
                at(manifest("pdb.yaml"), "spec", "selector", "matchLabels"));
        for (Object selector : selectors) {
            assertFalse(map(selector).isEmpty());
            map(selector).forEach((k, v) -> assertEquals(v, podLabels.get(k), "selector " + k));
        }
        assertEquals("relay-config", at(deploymentVolume("config"), "configMap", "name"));
        assertEquals("relay-config", at(manifest("configmap.yaml"), "metadata", "name"));
    }

    @Test
    void pingIntervalBeatsTheLoadBalancerIdleTimeouts() throws Exception {
        for (String toml : List.of(configMapToml(), read(ROOT.resolve("deploy/docker/config.toml")))) {
            Duration interval = load(toml).ping().interval();
            assertTrue(interval.compareTo(SMALLEST_IDLE_TIMEOUT) < 0, "ping.interval " + interval);
        }
    }

    @Test
    void systemdStopOutlastsTheDrain() {
        Map<String, String> unit = systemd();
        Duration stop = Duration.ofSeconds(Long.parseLong(unit.get("TimeoutStopSec").replace("s", "")));
        assertTrue(stop.compareTo(ServerSettings.DEFAULTS.drainTimeout()) > 0,
                "TimeoutStopSec " + stop + " > default drain_timeout " + ServerSettings.DEFAULTS.drainTimeout());
        assertEquals("SIGTERM", unit.get("KillSignal"));
        assertEquals("mixed", unit.get("KillMode"));
        assertTrue(Long.parseLong(unit.get("LimitNOFILE")) >= 65536);
        assertEquals("relay", unit.get("User"));
        assertTrue(unit.get("EnvironmentFile").endsWith("/etc/relay/relay.env"));
    }

    /** The HPA scales on a metric: relay must serve /metrics and export that metric. */
    @Test
    void autoscalingMetricIsOneRelayExports() throws IOException {
        List<String> sources;
        try (Stream<Path> files = Files.walk(ROOT.resolve("src/main/java"))) {
            sources = files.filter(f -> f.toString().endsWith(".java")).map(DeploymentFilesTest::read).toList();
        }
        assertTrue(sources.stream().anyMatch(s -> s.contains("\"/metrics\"")), "relay serves no /metrics");
        assertTrue(sources.stream().anyMatch(s -> s.contains("\"relay_active_streams\"")),
                "a metric named relay_active_streams, which deploy/k8s/hpa.yaml scales on");
    }

    // --- the files ---------------------------------------------------------------------------------

    private static Object manifest(String name) {
        Path file = ROOT.resolve("deploy/k8s").resolve(name);
        List<Object> documents = MiniYaml.documents(file.toString(), read(file));
        assertEquals(1, documents.size(), name);
        return documents.getFirst();
    }

    private static Object deployment() {
        return manifest("deployment.yaml");
    }

    private static Object service() {
        return manifest("service.yaml");
    }

    private static Map<String, Object> configMap() {
        return map(at(manifest("configmap.yaml"), "data"));
    }

    private static String configMapToml() {
        return string(configMap().get("config.toml"));
    }

    private static Map<String, Object> relayContainer() {
        for (Object c : list(at(deployment(), "spec", "template", "spec", "containers"))) {
            if ("relay".equals(at(c, "name"))) {
                return map(c);
            }
        }
        throw new AssertionError("no container named relay");
    }

    private static Object deploymentVolume(String name) {
        for (Object v : list(at(deployment(), "spec", "template", "spec", "volumes"))) {
            if (name.equals(at(v, "name"))) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    private static String volumeMountOf(String configMapName) {
        for (Object v : list(at(deployment(), "spec", "template", "spec", "volumes"))) {
            if (configMapName.equals(at(v, "configMap", "name"))) {
                for (Object m : list(at(relayContainer(), "volumeMounts"))) {
                    if (at(v, "name").equals(at(m, "name"))) {
                        return string(at(m, "mountPath"));
                    }
                }
            }
        }
        throw new AssertionError("ConfigMap " + configMapName + " is not mounted");
    }

    /** The arguments of every Dockerfile instruction {@code name}, continuation lines joined. */
    private static List<String> dockerfile(String name) {
        String text = read(ROOT.resolve("Dockerfile")).replaceAll("\\\\\n", " ");
        List<String> found = new ArrayList<>();
        for (String line : text.lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split("\\s+", 2);
            if (parts[0].equalsIgnoreCase(name)) {
                found.add(parts.length > 1 ? parts[1].strip() : "");
            }
        }
        assertFalse(found.isEmpty(), "Dockerfile has " + name);
        return found;
    }

    private static List<String> healthcheck() {
        String hc = dockerfile("HEALTHCHECK").getLast();
        return json(hc.substring(hc.indexOf("CMD ") + 4));
    }

    private static Map<String, String> systemd() {
        Map<String, String> unit = new LinkedHashMap<>();
        for (String line : read(ROOT.resolve("deploy/systemd/relay.service")).lines().toList()) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && !line.startsWith("[") && eq > 0) {
                unit.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return unit;
    }

    /** Loads {@code toml} with relay's loader, each {@code ${NAME}} it references set to a dummy value. */
    private Config load(String toml) throws IOException, ConfigException {
        Path file = Files.createTempFile(tmp, "config", ".toml");
        Files.writeString(file, toml);
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : variables(toml)) {
            env.put(name, "dummy-" + name.toLowerCase());
        }
        return ConfigLoader.load(file, env);
    }

    private static Set<String> variables(String toml) {
        Set<String> names = new TreeSet<>();
        Matcher m = ENV_REFERENCE.matcher(toml);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    // --- small helpers -----------------------------------------------------------------------------

    /** Walks maps by key and lists by index; null where the path ends early. */
    private static Object at(Object node, Object... path) {
        Object current = node;
        for (Object step : path) {
            if (step instanceof Integer i && current instanceof List<?> l) {
                current = i < l.size() ? l.get(i) : null;
            } else if (step instanceof String k && current instanceof Map<?, ?> m) {
                current = m.get(k);
            } else {
                return null;
            }
        }
        return current;
    }

    private static int resolvePort(Object port, Map<String, Integer> named) {
        String p = string(port);
        return named.containsKey(p) ? named.get(p) : Integer.parseInt(p);
    }

    /** A Kubernetes quantity in bytes ({@code 640Mi}, {@code 1Gi}, {@code 512000Ki}, plain bytes). */
    private static long quantity(String q) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi)?").matcher(q);
        if (!m.matches()) {
            fail("unsupported quantity " + q);
        }
        long n = Long.parseLong(m.group(1));
        return m.group(2) == null ? n : switch (m.group(2)) {
            case "Ki" -> n << 10;
            case "Mi" -> n << 20;
            default -> n << 30;
        };
    }

    private static List<String> json(String array) {
        try {
            return new ObjectMapper().readValue(array, new TypeReference<List<String>>() { });
        } catch (IOException e) {
            throw new AssertionError("not an exec-form JSON array: " + array, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertTrue(o instanceof Map, "a mapping: " + o);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        assertTrue(o instanceof List, "a sequence: " + o);
        return (List<Object>) o;
    }

    private static List<String> strings(Object o) {
        return list(o).stream().map(DeploymentFilesTest::string).toList();
    }

    private static String string(Object o) {
        assertTrue(o instanceof String, "a scalar: " + o);
        return (String) o;
    }

    private static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
