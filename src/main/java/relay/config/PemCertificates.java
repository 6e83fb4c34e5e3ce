package relay.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Reads a PEM bundle (one or more {@code BEGIN CERTIFICATE} blocks) with the JDK's X.509 factory. */
final class PemCertificates {
    private PemCertificates() {
    }

    static List<X509Certificate> read(Path file) throws IOException, GeneralSecurityException {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
        }
        if (certificates.isEmpty()) {
            throw new CertificateException("no certificate in it (expected PEM \"BEGIN CERTIFICATE\" blocks)");
        }
        return certificates;
    }
}
