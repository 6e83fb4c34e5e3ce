package relay.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Which requests under a route's prefix the route takes, and the path they get upstream.
 * {@code models}: exact names or {@code name*} prefixes of the request's top-level {@code model};
 * empty takes every request. {@code stripPrefix}: the upstream gets the path after the prefix,
 * appended to the upstream URL's own path (nginx's {@code proxy_pass} with a URI), instead of the
 * whole request path.
 */
public record RouteMatch(List<String> models, boolean stripPrefix) {
    /** Every request, with its whole path. */
    public static final RouteMatch ANY = new RouteMatch(List.of(), false);

    public RouteMatch {
        models = List.copyOf(models);
    }

    /** The route takes requests for {@code model} (null: the request named none, which only a route without models takes). */
    public boolean takesModel(String model) {
        if (models.isEmpty()) {
            return true;
        }
        if (model == null) {
            return false;
        }
        for (String pattern : models) {
            if (pattern.endsWith("*") ? model.startsWith(pattern.substring(0, pattern.length() - 1))
                    : model.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The raw request path as the upstream gets it (before the upstream URL's own path): the whole
     * path, or with {@code strip_prefix} what follows the prefix ({@code ""} for the prefix itself).
     * The prefix is compared segment by segment after decoding, as the route matched it; empty when
     * the raw path's segments do not spell the prefix (a {@code %2F} inside it), which is refused
     * rather than guessed.
     */
    public Optional<String> upstreamPath(String prefix, String rawPath) {
        if (!stripPrefix || prefix.equals("/")) {
            return Optional.of(rawPath);
        }
        String[] wanted = prefix.substring(1).split("/");
        int at = 0; // rawPath[at] is the '/' before the next segment
        for (String segment : wanted) {
            if (at >= rawPath.length() || rawPath.charAt(at) != '/') {
                return Optional.empty();
            }
            int end = rawPath.indexOf('/', at + 1);
            end = end < 0 ? rawPath.length() : end;
            if (!decoded(rawPath.substring(at + 1, end)).equals(segment)) {
                return Optional.empty();
            }
            at = end;
        }
        return Optional.of(rawPath.substring(at));
    }

    /** Percent-decoding only: a '+' in a path is a '+', not a space. */
    private static String decoded(String rawSegment) {
        if (rawSegment.indexOf('%') < 0) {
            return rawSegment;
        }
        try {
            return URLDecoder.decode(rawSegment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return rawSegment; // malformed escapes: it cannot be the prefix
        }
    }
}
