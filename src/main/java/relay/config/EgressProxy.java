package relay.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code upstream.proxy}: an HTTP proxy every upstream connection goes through with {@code CONNECT}
 * (TLS to the upstream inside the tunnel), except to hosts of {@code upstream.no_proxy}.
 * {@code authorization} is the {@code Proxy-Authorization} value made from the URL's user info.
 */
public record EgressProxy(String host, int port, Optional<String> authorization, List<String> noProxy) {

    public EgressProxy {
        noProxy = List.copyOf(noProxy);
    }

    public static EgressProxy parse(String url, List<String> noProxy) throws InvalidValue {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidValue("is not a valid URL (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("http") || uri.getHost() == null) {
            throw new InvalidValue("must be an http:// URL with a host, e.g. \"http://proxy.internal:3128\" "
                    + "(relay talks to the proxy in plain HTTP and tunnels TLS through it)");
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")
                || uri.getRawQuery() != null) {
            throw new InvalidValue("must have no path or query");
        }
        Optional<String> authorization = Optional.ofNullable(uri.getRawUserInfo()).map(info -> "Basic "
                + Base64.getEncoder().encodeToString(java.net.URLDecoder.decode(info.replace("+", "%2B"),
                        StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8)));
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        return new EgressProxy(host, uri.getPort() == -1 ? 80 : uri.getPort(), authorization, noProxy);
    }

    /**
     * Whether a connection to {@code host} goes through the proxy: not when {@code no_proxy} has
     * {@code *}, the host itself, or a domain it is in ({@code example.com} and {@code .example.com}
     * both cover {@code api.example.com}), as curl reads {@code NO_PROXY}.
     */
    public boolean applies(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : noProxy) {
            String e = entry.toLowerCase(Locale.ROOT);
            String domain = e.startsWith(".") ? e.substring(1) : e;
            if (e.equals("*") || h.equals(domain) || h.endsWith("." + domain)) {
                return false;
            }
        }
        return true;
    }

    /** For --check: the proxy's address, its credentials masked. */
    String printable() {
        String at = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + (authorization.isPresent() ? "***:***@" : "") + at + ":" + port;
    }

    @Override
    public String toString() {
        return "EgressProxy[" + printable() + ", noProxy=" + noProxy + "]";
    }
}
