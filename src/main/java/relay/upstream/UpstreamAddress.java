package relay.upstream;

import java.net.URI;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;

/**
 * The host of an upstream base URI in the three forms relay needs: to connect, to name in TLS, and to
 * send as {@code Host}. {@link URI#getHost()} keeps an IPv6 literal's brackets ("[::1]"), which the
 * resolver tolerates but TLS does not, so {@code host} is stored without them.
 */
record UpstreamAddress(String host, int port, boolean secure) {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    static UpstreamAddress of(URI base) {
        boolean secure = "https".equalsIgnoreCase(base.getScheme());
        String host = base.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = base.getPort() != -1 ? base.getPort() : secure ? 443 : 80;
        return new UpstreamAddress(host, port, secure);
    }

    boolean isIpLiteral() {
        return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
    }

    /** The value of the {@code Host} header: brackets around an IPv6 literal, no default port. */
    String authority() {
        String name = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == (secure ? 443 : 80) ? name : name + ":" + port;
    }

    /**
     * The name the certificate must match, also given to the TLS socket as its peer host: a DNS name's
     * trailing dot (an absolute name, still resolved as written) is not part of the name certificates
     * carry, nor allowed in SNI.
     */
    String tlsName() {
        return host.endsWith(".") && !isIpLiteral() ? host.substring(0, host.length() - 1) : host;
    }

    /**
     * The SNI to send. RFC 6066 §3 forbids literal addresses there; a name {@link SNIHostName} refuses
     * (an underscore, say, legal in internal DNS) is sent without SNI too rather than failing the
     * exchange: the certificate is still verified against it.
     */
    List<SNIServerName> serverNames() {
        if (isIpLiteral()) {
            return List.of();
        }
        try {
            return List.of(new SNIHostName(tlsName()));
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }
}
