package relay.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate made by the JDK's own keytool (the one running the tests) into a temporary
 * keystore: the server side presents it, and a client can be made to trust exactly it.
 */
final class TestCertificate {
    private static final char[] PASSWORD = "test-only".toCharArray();

    private final KeyStore keyStore;

    private TestCertificate(KeyStore keyStore) {
        this.keyStore = keyStore;
    }

    /** {@code subjectAltNames} in keytool's syntax, e.g. {@code "dns:localhost,ip:127.0.0.1"}. */
    static TestCertificate selfSigned(String subjectAltNames) throws IOException, InterruptedException, GeneralSecurityException {
        Path dir = Files.createTempDirectory("relay-tls");
        Path file = dir.resolve("server.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "server",
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=relay test",
                "-ext", "SAN=" + subjectAltNames, "-storetype", "PKCS12", "-keystore", file.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        Files.delete(file);
        Files.delete(dir);
        return new TestCertificate(store);
    }

    /** The certificate as a PEM file, what a route's {@code ca_file} names. */
    java.nio.file.Path writePem(java.nio.file.Path file) throws GeneralSecurityException, IOException {
        String base64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .encodeToString(keyStore.getCertificate("server").getEncoded());
        return Files.writeString(file, "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n");
    }

    /** The private key as unencrypted PKCS#8 PEM, what a route's {@code client_key} names. */
    java.nio.file.Path writeKeyPem(java.nio.file.Path file) throws GeneralSecurityException, IOException {
        String base64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .encodeToString(keyStore.getKey("server", PASSWORD).getEncoded());
        return Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n");
    }

    /** A server presenting this certificate that requires a client certificate, and trusts only {@code client}'s. */
    SSLServerSocketFactory serverRequiring(TestCertificate client) throws GeneralSecurityException, IOException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, PASSWORD);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("client", client.keyStore.getCertificate("server"));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trustManagers.getTrustManagers(), null);
        SSLServerSocketFactory plain = context.getServerSocketFactory();
        return new SSLServerSocketFactory() {
            @Override
            public String[] getDefaultCipherSuites() {
                return plain.getDefaultCipherSuites();
            }

            @Override
            public String[] getSupportedCipherSuites() {
                return plain.getSupportedCipherSuites();
            }

            @Override
            public java.net.ServerSocket createServerSocket(int port) throws IOException {
                return requiring(plain.createServerSocket(port));
            }

            @Override
            public java.net.ServerSocket createServerSocket(int port, int backlog) throws IOException {
                return requiring(plain.createServerSocket(port, backlog));
            }

            @Override
            public java.net.ServerSocket createServerSocket(int port, int backlog, java.net.InetAddress address)
                    throws IOException {
                return requiring(plain.createServerSocket(port, backlog, address));
            }

            private java.net.ServerSocket requiring(java.net.ServerSocket socket) {
                ((javax.net.ssl.SSLServerSocket) socket).setNeedClientAuth(true);
                return socket;
            }
        };
    }

    SSLServerSocketFactory serverFactory() throws GeneralSecurityException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context.getServerSocketFactory();
    }

    /** A client that trusts this certificate and nothing else. */
    SSLSocketFactory trustingClientFactory() throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", keyStore.getCertificate("server"));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context.getSocketFactory();
    }
}
