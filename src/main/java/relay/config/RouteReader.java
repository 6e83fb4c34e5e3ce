package relay.config;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * The {@code [[routes]]} array: at least one route. A prefix may appear on several routes when they
 * select by model: every route of a prefix but the last of them must have {@code models}, since a
 * route without them takes every request and would leave the later ones nothing.
 */
final class RouteReader {
    private static final String KEY = "routes";
    private static final Set<String> KEYS = Set.of("prefix", "upstream", "upstreams", "headers", "ping", "errors",
            "first_event_timeout", "ca_file", "ca_mode", "client_cert", "client_key", "proxy", "retry",
            "ping_interval", "header_grace", "idle_timeout", "max_duration", "strip_prefix", "models", "keepalive_json",
            "cors_origins", "cors_headers", "cors_credentials");
    private static final Set<String> UPSTREAM_KEYS = Set.of("url", "name", "headers", "ca_file", "ca_mode",
            "client_cert", "client_key", "proxy");
    private static final Set<String> RETRY_KEYS = Set.of("statuses", "max_attempts", "retry_after_max", "cooldown",
            "max_body", "non_stream");
    /** Enough for every key of every provider a route could list; more attempts only add latency. */
    private static final int MAX_ATTEMPTS = 20;

    private RouteReader() {
    }

    static List<Route> routes(TableReader root) throws ConfigException {
        Object value = root.raw(KEY);
        if (value == null) {
            throw root.error(root.position(),
                    "no routes: add at least one [[routes]] table with a prefix and an upstream");
        }
        if (!(value instanceof TomlArray array)) {
            throw root.error(KEY, "routes must be an array of tables ([[routes]]), got " + TableReader.typeName(value));
        }
        if (array.isEmpty()) {
            throw root.error(KEY, "routes is empty: add at least one [[routes]] table with a prefix and an upstream");
        }
        List<Route> routes = new ArrayList<>(array.size());
        Map<String, String> prefixes = new HashMap<>();
        for (int i = 0; i < array.size(); i++) {
            TomlPosition where = array.inputPositionOf(i);
            if (!(array.get(i) instanceof TomlTable table)) {
                throw root.error(where, "routes[" + i + "] must be a table, got " + TableReader.typeName(array.get(i)));
            }
            TableReader t = root.element(table, i, where, KEY);
            Route route = route(t);
            String earlier = prefixes.get(route.prefix());
            if (earlier != null) {
                throw t.invalid("prefix", "is already the prefix of " + earlier + ", which has no models and so takes "
                        + "every request under it (give " + earlier + " models = [...], or use another prefix)");
            }
            if (route.match().models().isEmpty()) {
                prefixes.put(route.prefix(), t.name());
            }
            routes.add(route);
        }
        return routes;
    }

    private static Route route(TableReader t) throws ConfigException {
        t.allowOnly(KEYS);
        String prefix = prefix(t);
        boolean strip = t.bool("strip_prefix", false);
        List<RouteUpstream> upstreams = upstreams(t, prefix, strip);
        return new Route(
                prefix,
                upstreams,
                headers(t),
                t.bool("ping", true),
                errors(t),
                t.raw("first_event_timeout") == null ? Optional.empty()
                        : Optional.of(t.duration("first_event_timeout", Duration.ZERO, TableReader.Sign.NON_NEGATIVE)),
                retry(t, upstreams.size()),
                new RouteTiming(optionalDuration(t, "ping_interval", TableReader.Sign.POSITIVE),
                        optionalDuration(t, "header_grace", TableReader.Sign.NON_NEGATIVE),
                        optionalDuration(t, "idle_timeout", TableReader.Sign.POSITIVE),
                        optionalDuration(t, "max_duration", TableReader.Sign.POSITIVE)),
                new RouteMatch(RouteOptionsReader.models(t), strip),
                t.bool("keepalive_json", false),
                RouteOptionsReader.cors(t));
    }

    private static Optional<Duration> optionalDuration(TableReader t, String key, TableReader.Sign sign)
            throws ConfigException {
        return t.raw(key) == null ? Optional.empty() : Optional.of(t.duration(key, Duration.ZERO, sign));
    }

    /** {@code upstream = "..."} (with the route's ca_file), or an array of {@code [[routes.upstreams]]} tables. */
    private static List<RouteUpstream> upstreams(TableReader t, String prefix, boolean strip) throws ConfigException {
        Object list = t.raw("upstreams");
        if (list == null) {
            RouteTarget target = proxy(t, trust(t, target(t, "upstream", prefix, strip)));
            return List.of(new RouteUpstream(RouteUpstream.defaultName(target), target, Map.of()));
        }
        if (t.raw("upstream") != null) {
            throw t.error("upstreams", t.name() + " has both upstream and upstreams: keep one (a single upstream, "
                    + "or the list tried in order)");
        }
        for (String key : List.of("ca_file", "ca_mode", "client_cert", "client_key", "proxy")) {
            if (t.raw(key) != null) {
                throw t.error(key, t.qualified(key) + " applies to a single upstream: with upstreams, set it in each "
                        + "[[" + t.name() + ".upstreams]] that needs it");
            }
        }
        if (!(list instanceof TomlArray array) || array.isEmpty()) {
            throw t.error("upstreams", t.qualified("upstreams") + " must be a non-empty array of tables ([["
                    + "routes.upstreams]] with a url each), got " + TableReader.typeName(list));
        }
        List<RouteUpstream> upstreams = new ArrayList<>(array.size());
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < array.size(); i++) {
            TomlPosition where = array.inputPositionOf(i);
            if (!(array.get(i) instanceof TomlTable table)) {
                throw t.error(where, t.qualified("upstreams") + "[" + i + "] must be a table, got "
                        + TableReader.typeName(array.get(i)));
            }
            TableReader u = t.element(table, i, where, "upstreams");
            u.allowOnly(UPSTREAM_KEYS);
            RouteTarget target = proxy(u, trust(u, target(u, "url", prefix, strip)));
            Optional<Setting> given = u.label("name");
            String name = given.map(Setting::value).orElse(RouteUpstream.defaultName(target));
            if (names.containsKey(name)) {
                if (given.isPresent()) {
                    throw u.invalid(given.get(), "is already the name of " + names.get(name));
                }
                name = name + "#" + (i + 1); // two keys of one provider: told apart by their place
            }
            names.put(name, u.name());
            upstreams.add(new RouteUpstream(name, target, headers(u)));
        }
        return upstreams;
    }

    private static RetrySettings retry(TableReader t, int upstreams) throws ConfigException {
        var table = t.table("retry", "in " + t.name() + ".retry");
        RetrySettings defaults = RetrySettings.defaults(upstreams);
        if (table.isEmpty()) {
            return defaults;
        }
        TableReader r = table.get();
        r.allowOnly(RETRY_KEYS);
        return new RetrySettings(
                statuses(r),
                (int) r.integer("max_attempts", defaults.maxAttempts(), 1, MAX_ATTEMPTS),
                r.duration("retry_after_max", defaults.retryAfterMax(), TableReader.Sign.NON_NEGATIVE),
                r.duration("cooldown", defaults.cooldown(), TableReader.Sign.NON_NEGATIVE),
                r.size("max_body", defaults.maxBody()),
                r.bool("non_stream", defaults.nonStream()));
    }

    private static Set<Integer> statuses(TableReader r) throws ConfigException {
        Object v = r.raw("statuses");
        if (v == null) {
            return RetrySettings.DEFAULT_STATUSES;
        }
        if (!(v instanceof TomlArray array)) {
            throw r.error("statuses", r.qualified("statuses") + " must be an array of status codes, got "
                    + TableReader.typeName(v));
        }
        Set<Integer> statuses = new java.util.TreeSet<>();
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof Long code) || code < 400 || code > 599) {
                throw r.error(array.inputPositionOf(i), r.qualified("statuses") + "[" + i + "] must be a status code "
                        + "from 400 to 599, got " + printable(array.get(i)));
            }
            statuses.add(code.intValue());
        }
        return statuses;
    }

    private static String printable(Object v) {
        return v instanceof Long || v instanceof Double ? v.toString() : TableReader.typeName(v);
    }

    private static String prefix(TableReader t) throws ConfigException {
        Setting prefix = t.string("prefix", false).orElseThrow(() -> missing(t, "prefix", "\"/v1\""));
        try {
            RoutePrefix.check(prefix.value());
        } catch (InvalidValue e) {
            throw t.invalid(prefix, e.reason());
        }
        return prefix.value();
    }

    /** With {@code strip_prefix} the upstream's path replaces the prefix, so it may well end with it. */
    private static RouteTarget target(TableReader t, String key, String prefix, boolean strip) throws ConfigException {
        // Shown only by name: a URL pasted with credentials must not reach the log through the error message.
        Setting upstream = t.string(key, true)
                .orElseThrow(() -> missing(t, key, "\"https://api.openai.com\" or \"demo\""));
        try {
            RouteTarget target = UpstreamUri.parse(upstream.value());
            if (!strip) {
                RoutePrefix.checkUpstream(prefix, target, (String) t.raw(key));
            }
            return target;
        } catch (InvalidValue e) {
            throw t.invalid(upstream, e.reason());
        }
    }

    /**
     * {@code ca_file} (PEM, relative to the config file) and {@code ca_mode} ("add" or "replace"), and
     * {@code client_cert} with {@code client_key} for an upstream that asks for a client certificate.
     */
    private static RouteTarget trust(TableReader t, RouteTarget target) throws ConfigException {
        RouteTarget trusted = caFile(t, target);
        Optional<Setting> cert = t.string("client_cert", false);
        Optional<Setting> key = t.string("client_key", false);
        if (cert.isEmpty() && key.isEmpty()) {
            return trusted;
        }
        if (cert.isEmpty() || key.isEmpty()) {
            throw t.invalid(cert.isPresent() ? cert.get() : key.get(), "needs " + (cert.isEmpty() ? "client_cert" : "client_key")
                    + " too (a client certificate and its key)");
        }
        if (!(trusted instanceof RouteTarget.Http http) || !http.base().getScheme().equals("https")) {
            throw t.invalid(cert.get(), "applies to an https upstream only");
        }
        Path certPath = t.fromConfigDirectory(cert.get().value());
        Path keyPath = t.fromConfigDirectory(key.get().value());
        List<java.security.cert.X509Certificate> chain;
        try {
            chain = PemCertificates.read(certPath);
        } catch (IOException | GeneralSecurityException e) {
            throw t.invalid(cert.get(), "cannot read a certificate from " + certPath + ": " + e.getMessage());
        }
        java.security.PrivateKey privateKey;
        try {
            privateKey = PemPrivateKey.read(keyPath);
        } catch (IOException | GeneralSecurityException e) {
            throw t.invalid(key.get(), "cannot read a private key from " + keyPath + ": " + e.getMessage());
        }
        return http.withTrust(http.trust().withIdentity(new ClientIdentity(certPath, keyPath, chain, privateKey)));
    }

    /** An upstream's own {@code proxy}: a URL (as {@code upstream.proxy}), or {@code "direct"} for none. */
    private static RouteTarget proxy(TableReader t, RouteTarget target) throws ConfigException {
        Optional<Setting> given = t.string("proxy", true);
        if (given.isEmpty()) {
            return target;
        }
        if (!(target instanceof RouteTarget.Http http)) {
            throw t.invalid(given.get(), "applies to an http(s) upstream only");
        }
        if (given.get().value().equals("direct")) {
            return new RouteTarget.Http(http.base(), http.trust(), new RouteTarget.ProxyChoice.Direct());
        }
        try {
            return new RouteTarget.Http(http.base(), http.trust(),
                    new RouteTarget.ProxyChoice.Via(EgressProxy.parse(given.get().value(), List.of())));
        } catch (InvalidValue e) {
            throw t.invalid(given.get(), e.reason() + ", or \"direct\"");
        }
    }

    private static RouteTarget caFile(TableReader t, RouteTarget target) throws ConfigException {
        Optional<Setting> file = t.string("ca_file", false);
        Optional<Setting> mode = t.string("ca_mode", false);
        if (file.isEmpty()) {
            if (mode.isPresent()) {
                throw t.invalid(mode.get(), "needs ca_file");
            }
            return target;
        }
        if (!(target instanceof RouteTarget.Http http) || !http.base().getScheme().equals("https")) {
            throw t.invalid(file.get(), "applies to an https upstream only");
        }
        boolean replace = false;
        if (mode.isPresent()) {
            switch (mode.get().value()) {
                case "add" -> replace = false;
                case "replace" -> replace = true;
                default -> throw t.invalid(mode.get(), "must be \"add\" (to the JDK's CAs, the default) or \"replace\"");
            }
        }
        Path path = t.fromConfigDirectory(file.get().value());
        try {
            return http.withTrust(new UpstreamTrust(Optional.of(path), PemCertificates.read(path), replace));
        } catch (IOException | GeneralSecurityException e) {
            throw t.invalid(file.get(), "cannot read certificates from " + path + ": " + e.getMessage());
        }
    }

    private static Map<String, String> headers(TableReader t) throws ConfigException {
        var table = t.table("headers", "in " + t.name() + ".headers");
        if (table.isEmpty()) {
            return Map.of();
        }
        TableReader h = table.get();
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, String> seen = new HashMap<>();
        List<String> names = h.keys().stream().sorted(Comparator.comparing(h::positionOf, SourceFile.BY_PLACE)).toList();
        for (String name : names) {
            Setting value = h.string(name, true).orElseThrow();
            try {
                HeaderRules.checkName(name);
                HeaderRules.checkValue(value.value());
            } catch (InvalidValue e) {
                throw h.invalid(value, e.reason());
            }
            String other = seen.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
            if (other != null) {
                throw h.invalid(value, "repeats header " + Setting.quoteKey(other) + " (header names ignore case)");
            }
            headers.put(name, value.value());
        }
        return headers;
    }

    private static ErrorFormat errors(TableReader t) throws ConfigException {
        var setting = t.string("errors", false);
        if (setting.isEmpty()) {
            return ErrorFormat.AUTO;
        }
        return switch (setting.get().value()) {
            case "auto" -> ErrorFormat.AUTO;
            case "openai" -> ErrorFormat.OPENAI;
            case "anthropic" -> ErrorFormat.ANTHROPIC;
            case "responses" -> ErrorFormat.RESPONSES;
            case "gemini" -> ErrorFormat.GEMINI;
            default -> throw t.invalid(setting.get(),
                    "must be \"auto\", \"openai\", \"anthropic\", \"responses\" or \"gemini\"");
        };
    }

    private static ConfigException missing(TableReader t, String key, String example) {
        return t.error(t.position(), t.name() + " has no " + key + " (add e.g. " + key + " = " + example + ")");
    }
}
