package relay.config;

import java.net.URI;
import java.net.URISyntaxException;

/** {@code routes.upstream}: {@code "demo"}, or the base URL requests are forwarded to. */
final class UpstreamUri {
    static final String DEMO = "demo";

    private UpstreamUri() {
    }

    static RouteTarget parse(String text) throws InvalidValue {
        if (text.equals(DEMO)) {
            return new RouteTarget.Demo();
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new InvalidValue("is not a valid URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw new InvalidValue("must be \"demo\" or an absolute http:// or https:// URL");
        }
        // Credentials in the URL would end up in logs and in --check output; headers are masked instead.
        if (uri.getRawUserInfo() != null) {
            throw new InvalidValue("must not contain user:password@ (set an Authorization header in headers)");
        }
        if (uri.getHost() == null && uri.getRawAuthority() != null
                && uri.getRawAuthority().chars().filter(c -> c == ':').count() > 1) {
            throw new InvalidValue("has an IPv6 address without brackets (write e.g. \"https://[::1]:8443\")");
        }
        if (uri.getHost() == null) {
            throw new InvalidValue("needs a valid host name");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new InvalidValue("needs a port from 1 to 65535");
        }
        // The client's path and query are appended to the base: a query or fragment here has no place to go.
        if (uri.getRawQuery() != null) {
            throw new InvalidValue("must not have a query (?...)");
        }
        if (uri.getRawFragment() != null) {
            throw new InvalidValue("must not have a fragment (#...)");
        }
        return new RouteTarget.Http(URI.create(withoutTrailingSlashes(text)));
    }

    /** {@code https://host/v1/} + {@code /chat} must not become {@code //chat}. */
    private static String withoutTrailingSlashes(String text) {
        int end = text.length();
        int pathStart = text.indexOf('/', text.indexOf("//") + 2);
        while (pathStart >= 0 && end > pathStart && text.charAt(end - 1) == '/') {
            end--;
        }
        return text.substring(0, end);
    }
}
