package relay.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;

/**
 * The https upstream's certificate for {@code LoadBench --upstream-tls on}: an EC P-256 key made by
 * the running JDK's keytool for 127.0.0.1 (a test certificate, valid two days), served by
 * {@link FastSseUpstream} and trusted by relay through the route's {@code ca_file}.
 */
final class BenchCertificate {
    private static final char[] PASSWORD = "bench-only".toCharArray();

    private BenchCertificate() {
    }

    /** Makes {@code dir/upstream.p12} and returns {@code dir/upstream-ca.pem}, its certificate. */
    static Path create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        Path store = dir.resolve("upstream.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "upstream",
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=relay bench",
                "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(load(dir).getCertificate("upstream").getEncoded())
                + "\n-----END CERTIFICATE-----\n";
        return Files.writeString(dir.resolve("upstream-ca.pem"), pem);
    }

    static SSLServerSocketFactory serverFactory(Path dir) throws IOException, GeneralSecurityException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(dir), PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context.getServerSocketFactory();
    }

    private static KeyStore load(Path dir) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("upstream.p12"))) {
            store.load(in, PASSWORD);
        }
        return store;
    }
}
