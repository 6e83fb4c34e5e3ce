package relay.upstream;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import javax.net.ssl.SSLException;

/**
 * Says in words what a failed TLS handshake with an upstream means, from the JDK's exception chain:
 * an untrusted issuer, a certificate for another name, an expired or not yet valid certificate.
 * The JDK's own text follows in the message; neither carries a secret (no header is involved).
 */
final class TlsFailure {
    private TlsFailure() {
    }

    /** What failed, or null when {@code e} is no certificate problem relay can name. */
    static String explain(Throwable e, String host) {
        if (!(e instanceof SSLException)) {
            return null;
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertificateExpiredException) {
                return "the upstream's TLS certificate has expired";
            }
            if (cause instanceof CertificateNotYetValidException) {
                return "the upstream's TLS certificate is not valid yet (check the clocks)";
            }
            if (cause instanceof CertPathBuilderException || cause instanceof CertPathValidatorException) {
                return "the upstream's TLS certificate is not signed by a trusted CA (a private CA goes in the route's ca_file)";
            }
            String message = cause.getMessage();
            if (message != null && (message.startsWith("No subject alternative") || message.startsWith("No name matching"))) {
                return "the upstream's TLS certificate is not for " + host;
            }
        }
        return null;
    }
}
