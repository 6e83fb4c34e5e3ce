package relay.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How the Java 17 launcher finds the JDK 25 it re-executes relay on, from fake JDK homes on disk. */
class LauncherTest {
    @TempDir
    Path dir;

    /** A JDK home as installed: an executable {@code bin/java} and a {@code release} file. */
    private Path jdk(String name, String javaVersion) throws IOException {
        Path home = dir.resolve(name);
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (javaVersion != null) {
            Files.writeString(home.resolve("release"), """
                    IMPLEMENTOR="Eclipse Adoptium"
                    JAVA_RUNTIME_VERSION="%1$s+8-LTS"
                    JAVA_VERSION="%1$s"
                    JAVA_VERSION_DATE="2025-10-21"
                    MODULES="java.base java.logging"
                    OS_ARCH="x86_64"
                    OS_NAME="Linux"
                    """.formatted(javaVersion));
        }
        return home;
    }

    @Test
    void findsTheFirstJdk25SkippingOlderJdksAndHomesWithoutReleaseFile() throws Exception {
        Path noRelease = jdk("no-release", null);
        Path jdk17 = jdk("jdk-17", "17.0.2");
        Path first25 = jdk("jdk-25-first", "25.0.1");
        Path second25 = jdk("jdk-25-second", "25.0.1");

        Optional<Path> java = new Launcher.JdkFinder(List.of(noRelease, jdk17, first25, second25)).find();

        assertEquals(Optional.of(first25.resolve("bin").resolve("java")), java);
    }

    @Test
    void skipsAJdk25WhoseJavaIsNotExecutable() throws Exception {
        Path broken = jdk("jdk-25-broken", "25.0.1");
        Files.setPosixFilePermissions(broken.resolve("bin").resolve("java"), PosixFilePermissions.fromString("rw-r--r--"));
        Path missing = dir.resolve("jdk-25-no-java");
        Files.createDirectories(missing);
        Files.writeString(missing.resolve("release"), "JAVA_VERSION=\"25.0.1\"\n");
        Path good = jdk("jdk-25-good", "25.0.1");

        Optional<Path> java = new Launcher.JdkFinder(List.of(broken, missing, good)).find();

        assertEquals(Optional.of(good.resolve("bin").resolve("java")), java);
    }

    @Test
    void findsNothingWhenNoCandidateIsJdk25() throws Exception {
        Path jdk17 = jdk("jdk-17", "17.0.2");
        Path jdk21 = jdk("jdk-21", "21.0.5");
        Path jdk26 = jdk("jdk-26", "26-ea");
        Path absent = dir.resolve("not-there");

        assertEquals(Optional.empty(), new Launcher.JdkFinder(List.of(jdk17, jdk21, jdk26, absent)).find());
        assertEquals(Optional.empty(), new Launcher.JdkFinder(List.of()).find());
    }

    @ParameterizedTest(name = "JAVA_VERSION=\"{0}\" is feature {1}")
    @CsvSource({"25, 25", "25.0.3, 25", "25-ea, 25", "25.0.1+8, 25", "17.0.2, 17", "21, 21"})
    void featureVersionIsReadFromTheReleaseFile(String javaVersion, int feature) throws Exception {
        assertEquals(feature, Launcher.JdkFinder.featureVersion(jdk("home", javaVersion)));
    }

    @Test
    void featureVersionOfAHomeWithoutUsableReleaseFileIsMinusOne() throws Exception {
        assertEquals(-1, Launcher.JdkFinder.featureVersion(jdk("no-release", null)));
        assertEquals(-1, Launcher.JdkFinder.featureVersion(dir.resolve("not-there")));
        Path garbage = jdk("garbage", null);
        Files.writeString(garbage.resolve("release"), "JAVA_VERSION=\"unknown\"\n");
        assertEquals(-1, Launcher.JdkFinder.featureVersion(garbage));
        Path noVersion = jdk("no-version", null);
        Files.writeString(noVersion.resolve("release"), "IMPLEMENTOR=\"Someone\"\nJAVA_VERSION_DATE=\"2025-10-21\"\n");
        assertEquals(-1, Launcher.JdkFinder.featureVersion(noVersion));
    }
}
