package relay.config;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The certificate and key relay presents to an https upstream that asks for one (mutual TLS):
 * {@code client_cert} (PEM, the certificate first, then any intermediates) and {@code client_key}
 * (PEM, unencrypted PKCS#8).
 */
public record ClientIdentity(Path certFile, Path keyFile, List<X509Certificate> chain, PrivateKey key) {

    public ClientIdentity {
        chain = List.copyOf(chain);
    }

    /** The key is a secret: only the files are printable. */
    @Override
    public String toString() {
        return "ClientIdentity[certFile=" + certFile + ", keyFile=" + keyFile + "]";
    }
}
