package relay.config;

import java.net.URI;

/**
 * What {@code routes.prefix} may be, alone and next to its upstream. The proxy matches a prefix on a segment
 * boundary ({@code "/v1"} matches {@code /v1} and {@code /v1/...}) and appends the whole request path to the
 * upstream's path, so two spellings that look reasonable do something nobody wants: a trailing slash makes
 * the bare prefix a 404, and an upstream path ending in the prefix sends {@code /v1/v1/...}.
 */
final class RoutePrefix {
    private RoutePrefix() {
    }

    /** The prefix as written must already be the one the proxy matches: nothing is normalized silently. */
    static void check(String prefix) throws InvalidValue {
        if (!prefix.startsWith("/")) {
            throw new InvalidValue("must start with '/'");
        }
        if (prefix.chars().anyMatch(c -> c == '?' || c == '#' || Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new InvalidValue("must be a plain path (no '?', '#', spaces or control characters)");
        }
        if (prefix.length() > 1 && prefix.endsWith("/")) {
            String fixed = withoutTrailingSlashes(prefix);
            throw new InvalidValue("must not end with '/': it would not match " + fixed
                    + " itself (a 404); write prefix = " + Setting.quote(fixed)
                    + ", which matches " + fixed + " and " + (fixed.equals("/") ? "" : fixed) + "/...");
        }
    }

    /**
     * @param written the upstream as the file writes it, before {@code ${NAME}} substitution, so that the
     *     suggested fix keeps the file's references instead of showing their values
     */
    static void checkUpstream(String prefix, RouteTarget target, String written) throws InvalidValue {
        if (!(target instanceof RouteTarget.Http http) || prefix.equals("/")) {
            return;
        }
        String path = http.base().getRawPath();
        if (path == null || !path.endsWith(prefix)) {
            return;
        }
        throw new InvalidValue("its path " + Setting.quote(path) + " repeats the route prefix "
                + Setting.quote(prefix) + ": relay appends the whole request path, so requests would go to "
                + path + prefix + "/...; write upstream = " + Setting.quote(fix(prefix, http.base(), written))
                + ", or keep it and set strip_prefix = true (its path then replaces the prefix)");
    }

    private static String fix(String prefix, URI base, String written) {
        String trimmed = withoutTrailingSlashes(written);
        if (trimmed.endsWith(prefix)) {
            return trimmed.substring(0, trimmed.length() - prefix.length());
        }
        String substituted = base.toString(); // the prefix came from a variable: show the URL it made
        return substituted.substring(0, substituted.length() - prefix.length());
    }

    private static String withoutTrailingSlashes(String s) {
        int end = s.length();
        while (end > 1 && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(0, end);
    }
}
