package relay.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A route's {@code models} and its {@code cors_*} keys: what they may hold, with a reason when they do not. */
final class RouteOptionsReader {
    private RouteOptionsReader() {
    }

    /** Origins as browsers send them: {@code scheme://host[:port]}, no path; {@code "*"} only without credentials. */
    static CorsSettings cors(TableReader t) throws ConfigException {
        List<String> origins = new ArrayList<>();
        for (Setting origin : t.strings("cors_origins", false)) {
            String value = origin.value();
            if (!value.equals("*") && !value.matches("(?i)https?://[^/?#\\s]+")) {
                throw t.invalid(origin, "must be \"*\" or an origin as a browser sends it: scheme://host[:port], "
                        + "without a path or a trailing '/' (e.g. \"https://app.example.com\")");
            }
            origins.add(value);
        }
        if (t.raw("cors_origins") != null && origins.isEmpty()) {
            throw t.invalid("cors_origins", "is empty: leave it out for no CORS of relay's own");
        }
        Optional<List<String>> headers = Optional.empty();
        if (t.raw("cors_headers") != null) {
            List<String> names = new ArrayList<>();
            for (Setting header : t.strings("cors_headers", false)) {
                if (!header.value().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                    throw t.invalid(header, "must be a header name");
                }
                names.add(header.value().toLowerCase(java.util.Locale.ROOT));
            }
            headers = Optional.of(names);
        }
        boolean credentials = t.bool("cors_credentials", false);
        if (origins.isEmpty() && (headers.isPresent() || credentials)) {
            throw t.invalid(headers.isPresent() ? "cors_headers" : "cors_credentials",
                    "needs cors_origins (the origins allowed)");
        }
        if (credentials && origins.contains("*")) {
            throw t.invalid("cors_credentials", "cannot be true with cors_origins = [\"*\"]: any site could then "
                    + "make requests with its visitors' credentials (browsers refuse it too); list the origins");
        }
        return new CorsSettings(origins, headers, credentials);
    }

    /** Exact model names, or a prefix with one trailing '*'; absent means every model. */
    static List<String> models(TableReader t) throws ConfigException {
        if (t.raw("models") == null) {
            return List.of();
        }
        List<Setting> given = t.strings("models", false);
        if (given.isEmpty()) {
            throw t.invalid("models", "is empty: it would take no request (leave models out to take every model)");
        }
        List<String> models = new ArrayList<>();
        for (Setting model : given) {
            String value = model.value();
            if (value.isEmpty() || value.equals("*")) {
                throw t.invalid(model, value.isEmpty() ? "is empty" : "takes every model: leave models out instead");
            }
            if (value.indexOf('*') >= 0 && value.indexOf('*') != value.length() - 1) {
                throw t.invalid(model, "may have one '*', at its end (a prefix pattern such as \"gpt-4o*\")");
            }
            if (models.contains(value)) {
                throw t.invalid(model, "is listed twice");
            }
            models.add(value);
        }
        return models;
    }
}
