package relay.config;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Which certificate authorities an https upstream is verified against: the JDK's (the default),
 * the JDK's plus those of a route's {@code ca_file}, or ({@code ca_mode = "replace"}) only those.
 * Hostname verification is always on.
 */
public record UpstreamTrust(Optional<Path> file, List<X509Certificate> certificates, boolean replaceDefault) {

    public static final UpstreamTrust JDK = new UpstreamTrust(Optional.empty(), List.of(), false);

    public UpstreamTrust {
        certificates = List.copyOf(certificates);
    }

    public boolean custom() {
        return file.isPresent();
    }
}
