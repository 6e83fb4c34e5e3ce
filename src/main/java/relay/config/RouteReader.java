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

/** The {@code [[routes]]} array: at least one route, each prefix once. */
final class RouteReader {
    private static final String KEY = "routes";
    private static final Set<String> KEYS = Set.of("prefix", "upstream", "headers", "ping", "errors",
            "first_event_timeout", "ca_file", "ca_mode");

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
            String earlier = prefixes.putIfAbsent(route.prefix(), t.name());
            if (earlier != null) {
                throw t.invalid("prefix", "is already the prefix of " + earlier + " (each prefix may appear once)");
            }
            routes.add(route);
        }
        return routes;
    }

    private static Route route(TableReader t) throws ConfigException {
        t.allowOnly(KEYS);
        String prefix = prefix(t);
        return new Route(
                prefix,
                trust(t, target(t, prefix)),
                headers(t),
                t.bool("ping", true),
                errors(t),
                t.raw("first_event_timeout") == null ? Optional.empty()
                        : Optional.of(t.duration("first_event_timeout", Duration.ZERO, TableReader.Sign.NON_NEGATIVE)));
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

    private static RouteTarget target(TableReader t, String prefix) throws ConfigException {
        // Shown only by name: a URL pasted with credentials must not reach the log through the error message.
        Setting upstream = t.string("upstream", true)
                .orElseThrow(() -> missing(t, "upstream", "\"https://api.openai.com\" or \"demo\""));
        try {
            RouteTarget target = UpstreamUri.parse(upstream.value());
            RoutePrefix.checkUpstream(prefix, target, (String) t.raw("upstream"));
            return target;
        } catch (InvalidValue e) {
            throw t.invalid(upstream, e.reason());
        }
    }

    /** {@code ca_file} (PEM, relative to the config file) and {@code ca_mode} ("add" or "replace"). */
    private static RouteTarget trust(TableReader t, RouteTarget target) throws ConfigException {
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
            return new RouteTarget.Http(http.base(), new UpstreamTrust(Optional.of(path), PemCertificates.read(path), replace));
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
            default -> throw t.invalid(setting.get(), "must be \"auto\", \"openai\" or \"anthropic\"");
        };
    }

    private static ConfigException missing(TableReader t, String key, String example) {
        return t.error(t.position(), t.name() + " has no " + key + " (add e.g. " + key + " = " + example + ")");
    }
}
