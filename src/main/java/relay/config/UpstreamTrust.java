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
public record UpstreamTrust(Optional<Path> file, List<X509Certificate> certificates, boolean replaceDefault,
        Optional<ClientIdentity> identity) {

    public static final UpstreamTrust JDK = new UpstreamTrust(Optional.empty(), List.of(), false);

    public UpstreamTrust {
        certificates = List.copyOf(certificates);
    }

    /** Without a client certificate. */
    public UpstreamTrust(Optional<Path> file, List<X509Certificate> certificates, boolean replaceDefault) {
        this(file, certificates, replaceDefault, Optional.empty());
    }

    /** True unless this is the JDK's default TLS client (its CAs, no client certificate). */
    public boolean custom() {
        return file.isPresent() || identity.isPresent();
    }

    public UpstreamTrust withIdentity(ClientIdentity id) {
        return new UpstreamTrust(file, certificates, replaceDefault, Optional.of(id));
    }
}
