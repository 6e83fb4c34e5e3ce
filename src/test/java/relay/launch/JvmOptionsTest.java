package relay.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JvmOptionsTest {
    @Test
    void operatorOptionsComeLastSoThatTheyWin() {
        List<String> options = JvmOptions.withOperatorOptions(List.of("-Xmx1g", "-Xmn16m"));
        assertEquals(List.of("-Xmx1g", "-Xmn16m"), options.subList(options.size() - 2, options.size()));
        assertTrue(options.containsAll(JvmOptions.COLLECTOR));
    }

    @Test
    void aCollectorTheOperatorNamesReplacesRelaysWithItsTuning() {
        List<String> options = JvmOptions.withOperatorOptions(List.of("-XX:+UseG1GC"));
        for (String collectorOption : JvmOptions.COLLECTOR) {
            assertFalse(options.contains(collectorOption), collectorOption);
        }
        assertTrue(options.containsAll(JvmOptions.COMMON));
    }

    /** A misspelt or retired flag would stop relay from starting at all: JDK 25 must accept every one. */
    @Test
    void jdk25StartsWithTheShippedOptionsAndWithAnOperatorsCollector() throws Exception {
        for (List<String> operator : List.of(List.<String>of(), List.of("-XX:+UseParallelGC"))) {
            String output = runJava(JvmOptions.withOperatorOptions(operator));
            // a kernel without transparent huge pages makes the JVM say so and carry on: not a defect
            for (String sign : List.of("Unrecognized", "obsolete", "deprecated", "Error")) {
                assertFalse(output.contains(sign), operator + ": " + output);
            }
        }
    }

    private static String runJava(List<String> options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.add("-version");
        Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = java.waitFor();
        assertEquals(0, status, output);
        return output;
    }
}
