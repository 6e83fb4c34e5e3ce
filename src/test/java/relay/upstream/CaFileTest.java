package relay.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.config.Config;
import relay.config.ConfigException;
import relay.config.ConfigLoader;
import relay.config.ConfigPrinter;
import relay.config.RouteTarget;
import relay.config.UpstreamTrust;

/** A route's {@code ca_file} adds (or, with {@code ca_mode = "replace"}, is) the CAs its https upstream is verified against. */
class CaFileTest {
    private static final LoopbackUpstream.Script OK = HttpsGet.OK;

    private static TestCertificate forIps;
    private static TestCertificate forLocalhost;

    @BeforeAll
    static void makeCertificates() throws Exception {
        forIps = TestCertificate.selfSigned("ip:127.0.0.1");
        forLocalhost = TestCertificate.selfSigned("dns:localhost");
    }

    private static String get(URI base, UpstreamTrust trust) throws IOException {
        return HttpsGet.get(base, UpstreamTls.socketFactory(trust));
    }

    /** The trust of the only route of a config file naming {@code caFile} (relative to the file) for {@code upstream}. */
    private static Config load(Path dir, URI upstream, String caLines) throws Exception {
        Path file = Files.writeString(dir.resolve("relay.toml"), """
                [[routes]]
                prefix = "/v1"
                upstream = "%s"
                %s
                """.formatted(upstream, caLines));
        return ConfigLoader.load(file, Map.of());
    }

    private static UpstreamTrust trust(Config config) {
        return ((RouteTarget.Http) config.routes().getFirst().target()).trust();
    }

    @Test
    void aCaFileMakesItsCertificateTrustedWhereTheDefaultTrustRejectsIt(@TempDir Path dir) throws Exception {
        forIps.writePem(dir.resolve("private-ca.pem"));
        try (LoopbackUpstream server = new LoopbackUpstream(forIps.serverFactory(), "127.0.0.1", OK)) {
            IOException rejected = assertThrows(IOException.class, () -> get(server.uri("https"), UpstreamTrust.JDK));
            assertInstanceOf(UpstreamConnectException.class, rejected);
        }
        try (LoopbackUpstream server = new LoopbackUpstream(forIps.serverFactory(), "127.0.0.1", OK)) {
            Config config = load(dir, server.uri("https"), "ca_file = \"private-ca.pem\"");
            assertEquals("200 ok", get(server.uri("https"), trust(config)));
            // --check prints the resolved path, and the printed file loads back to the same route
            String printed = ConfigPrinter.describe(config).replaceAll(" +=", " =");
            assertTrue(printed.contains("ca_file = \"" + dir.resolve("private-ca.pem") + "\""), printed);
            assertTrue(printed.contains("ca_mode = \"add\""), printed);
            Path again = Files.writeString(dir.resolve("printed.toml"), printed);
            assertEquals(config.routes(), ConfigLoader.load(again, Map.of()).routes());
        }
    }

    @Test
    void aTrustedCertificateForAnotherNameIsStillRejected(@TempDir Path dir) throws Exception {
        forLocalhost.writePem(dir.resolve("ca.pem"));
        try (LoopbackUpstream server = new LoopbackUpstream(forLocalhost.serverFactory(), "127.0.0.1", OK)) {
            Config config = load(dir, server.uri("https"), "ca_file = \"ca.pem\"");
            IOException e = assertThrows(IOException.class, () -> get(server.uri("https"), trust(config)));
            assertInstanceOf(UpstreamConnectException.class, e);
        }
    }

    @Test
    void addKeepsTheJdksCasAndReplaceDropsThem(@TempDir Path dir) throws Exception {
        forIps.writePem(dir.resolve("ca.pem"));
        URI upstream = URI.create("https://127.0.0.1:8443");
        KeyStore added = UpstreamTls.trustStore(trust(load(dir, upstream, "ca_file = \"ca.pem\"")));
        KeyStore replaced = UpstreamTls.trustStore(trust(load(dir, upstream, "ca_file = \"ca.pem\"\nca_mode = \"replace\"")));
        assertEquals(1, replaced.size());
        assertTrue(added.size() > 50, "the JDK's CAs plus the file's: " + added.size());
    }

    @Test
    void badCaSettingsNameTheFileLineAndColumn(@TempDir Path dir) throws Exception {
        URI https = URI.create("https://127.0.0.1:8443");
        Files.writeString(dir.resolve("not-pem.pem"), "hello\n");
        String file = dir.resolve("relay.toml").toString();
        assertTrue(error(dir, https, "ca_file = \"missing.pem\"").startsWith(file + ":4:1: routes[0].ca_file"),
                error(dir, https, "ca_file = \"missing.pem\""));
        assertTrue(error(dir, https, "ca_file = \"missing.pem\"").contains("cannot read certificates"));
        assertTrue(error(dir, https, "ca_file = \"not-pem.pem\"").contains("cannot read certificates"));
        assertTrue(error(dir, URI.create("http://127.0.0.1:8080"), "ca_file = \"not-pem.pem\"")
                .contains("applies to an https upstream only"));
        assertTrue(error(dir, https, "ca_mode = \"replace\"").contains("needs ca_file"));
        forIps.writePem(dir.resolve("ca.pem"));
        assertTrue(error(dir, https, "ca_file = \"ca.pem\"\nca_mode = \"merge\"").contains("must be \"add\""));
    }

    @Test
    void aClientCertificateIsPresentedToAnUpstreamThatRequiresOne(@TempDir Path dir) throws Exception {
        TestCertificate client = TestCertificate.selfSigned("dns:relay-client");
        forIps.writePem(dir.resolve("upstream-ca.pem"));
        client.writePem(dir.resolve("client.pem"));
        client.writeKeyPem(dir.resolve("client.key"));
        String caOnly = "ca_file = \"upstream-ca.pem\"\nca_mode = \"replace\"";
        try (LoopbackUpstream server = new LoopbackUpstream(forIps.serverRequiring(client), "127.0.0.1", OK)) {
            Config without = load(dir, server.uri("https"), caOnly);
            assertThrows(IOException.class, () -> get(server.uri("https"), trust(without)),
                    "the upstream refuses a client without a certificate");
        }
        try (LoopbackUpstream server = new LoopbackUpstream(forIps.serverRequiring(client), "127.0.0.1", OK)) {
            Config with = load(dir, server.uri("https"), caOnly + "\nclient_cert = \"client.pem\"\nclient_key = \"client.key\"");
            assertEquals("200 ok", get(server.uri("https"), trust(with)));
            String printed = ConfigPrinter.describe(with);
            assertTrue(printed.contains(dir.resolve("client.key").toString()), printed);
            assertFalse(printed.contains("PRIVATE KEY") || with.routes().toString().contains("PRIVATE"), printed);
        }
        assertTrue(error(dir, URI.create("https://127.0.0.1:1"), "client_cert = \"client.pem\"")
                .contains("client_cert = \"client.pem\": needs client_key too"));
        Files.writeString(dir.resolve("rsa.key"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertTrue(error(dir, URI.create("https://127.0.0.1:1"), "client_cert = \"client.pem\"\nclient_key = \"rsa.key\"")
                .contains("openssl pkcs8 -topk8 -nocrypt"));
    }

    private static String error(Path dir, URI upstream, String caLines) {
        return assertThrows(ConfigException.class, () -> load(dir, upstream, caLines)).getMessage();
    }
}
