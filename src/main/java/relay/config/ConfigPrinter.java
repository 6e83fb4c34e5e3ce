package relay.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.tomlj.Toml;

/**
 * The effective configuration as {@code relay --check} prints it: a TOML file relay itself can load, every
 * setting with its default filled in, durations and sizes as strings with units. Secrets (client keys,
 * route header values) are printed as {@code "***"}, so the output shows how many there are, never what.
 */
public final class ConfigPrinter {
    private static final String MASK = "\"***\"";
    private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    private ConfigPrinter() {
    }

    public static String describe(Config c) {
        Lines out = new Lines();
        out.comment("effective configuration of " + c.source() + " (secrets masked)");
        ServerSettings server = c.server();
        out.table("[server]")
                .set("listen", string(ListenAddress.format(server.listen())))
                .set("max_streams", server.maxStreams())
                .set("max_body", size(server.maxBody()))
                .set("drain_timeout", duration(server.drainTimeout()))
                .set("request_timeout", duration(server.requestTimeout()))
                .set("max_headers", server.maxHeaders())
                .set("max_header_bytes", size(server.maxHeaderBytes()))
                .set("client_keys", clientKeys(server.clientKeys()));
        PingSettings ping = c.ping();
        out.table("[ping]")
                .set("enabled", ping.enabled())
                .set("interval", duration(ping.interval()))
                .set("write_timeout", duration(ping.writeTimeout()))
                .set("header_grace", duration(ping.headerGrace()))
                .set("comment", string(ping.comment()));
        out.table("[upstream]")
                .set("connect_timeout", duration(c.upstream().connectTimeout()))
                .set("keepalive", duration(c.upstream().keepalive()))
                .set("max_idle_per_host", c.upstream().maxIdlePerHost())
                .set("idle_ttl", duration(c.upstream().idleTtl()));
        c.upstream().proxy().ifPresent(proxy -> out.set("proxy", string(proxy.printable()))
                .set("no_proxy", proxy.noProxy().stream().map(ConfigPrinter::string)
                        .collect(Collectors.joining(", ", "[", "]"))));
        StreamSettings stream = c.stream();
        out.table("[stream]")
                .set("idle_timeout", duration(stream.idleTimeout()))
                .set("max_duration", duration(stream.maxDuration()))
                .set("max_line", size(stream.maxLine()))
                .set("first_event_timeout", duration(stream.firstEventTimeout()));
        out.table("[log]")
                .set("format", string(c.log().format().name().toLowerCase(Locale.ROOT)))
                .set("level", string(c.log().level().name().toLowerCase(Locale.ROOT)));
        DemoSettings demo = c.demo();
        out.table("[demo]")
                .set("think", duration(demo.think()))
                .set("tokens", demo.tokens())
                .set("token_interval", duration(demo.tokenInterval()));
        for (Route route : c.routes()) {
            boolean single = isSingle(route);
            var table = out.table("[[routes]]").set("prefix", string(route.prefix()));
            if (single) {
                table.set("upstream", target(route.target()));
            }
            table.set("headers", headers(route.headers()))
                    .set("ping", route.ping())
                    .set("errors", string(route.errors().name().toLowerCase(Locale.ROOT)));
            if (route.match().stripPrefix()) {
                table.set("strip_prefix", true);
            }
            if (route.keepaliveJson()) {
                table.set("keepalive_json", true);
            }
            CorsSettings cors = route.cors();
            if (cors.enabled()) {
                table.set("cors_origins", cors.origins().stream().map(ConfigPrinter::string)
                        .collect(Collectors.joining(", ", "[", "]")));
                cors.headers().ifPresent(names -> table.set("cors_headers", names.stream().map(ConfigPrinter::string)
                        .collect(Collectors.joining(", ", "[", "]"))));
                if (cors.credentials()) {
                    table.set("cors_credentials", true);
                }
            }
            if (!route.match().models().isEmpty()) {
                table.set("models", route.match().models().stream().map(ConfigPrinter::string)
                        .collect(Collectors.joining(", ", "[", "]")));
            }
            // only a route's own value: printing [stream]'s here would pin it to the route on reload
            route.firstEventTimeout().ifPresent(timeout -> table.set("first_event_timeout", duration(timeout)));
            RouteTiming timing = route.timing();
            timing.pingInterval().ifPresent(d -> table.set("ping_interval", duration(d)));
            timing.headerGrace().ifPresent(d -> table.set("header_grace", duration(d)));
            timing.idleTimeout().ifPresent(d -> table.set("idle_timeout", duration(d)));
            timing.maxDuration().ifPresent(d -> table.set("max_duration", duration(d)));
            table.comment("effective: ping_interval=" + Units.formatDuration(route.pingInterval(c.ping()))
                    + " header_grace=" + Units.formatDuration(route.headerGrace(c.ping()))
                    + " idle_timeout=" + Units.formatDuration(route.idleTimeout(c.stream()))
                    + " max_duration=" + Units.formatDuration(route.maxDuration(c.stream()))
                    + " first_event_timeout=" + Units.formatDuration(route.firstEventTimeout(c.stream())));
            sampleMapping(route).forEach(table::comment);
            if (single) {
                trust(table, route.target());
            }
            RetrySettings retry = route.retry();
            if (!retry.equals(RetrySettings.defaults(route.upstreams().size()))) {
                out.table("[routes.retry]")
                        .set("statuses", retry.statuses().stream().sorted().map(String::valueOf)
                                .collect(Collectors.joining(", ", "[", "]")))
                        .set("max_attempts", retry.maxAttempts())
                        .set("retry_after_max", duration(retry.retryAfterMax()))
                        .set("cooldown", duration(retry.cooldown()))
                        .set("max_body", size(retry.maxBody()))
                        .set("non_stream", retry.nonStream());
            }
            if (!single) {
                for (int i = 0; i < route.upstreams().size(); i++) {
                    RouteUpstream upstream = route.upstreams().get(i);
                    var entry = out.table("[[routes.upstreams]]");
                    String named = RouteUpstream.defaultName(upstream.target());
                    if (!upstream.name().equals(named) && !upstream.name().equals(named + "#" + (i + 1))) {
                        entry.set("name", string(upstream.name()));
                    }
                    entry.set("url", target(upstream.target())).set("headers", headers(upstream.headers()));
                    trust(entry, upstream.target());
                }
            }
        }
        return out.toString();
    }

    /** Where one sample request path goes on each of the route's upstreams, so a mapping can be checked by eye. */
    private static List<String> sampleMapping(Route route) {
        String sample = (route.prefix().equals("/") ? "" : route.prefix()) + "/chat/completions";
        String path = route.match().upstreamPath(route.prefix(), sample).orElseThrow();
        List<String> lines = new ArrayList<>();
        for (RouteUpstream upstream : route.upstreams()) {
            if (upstream.target() instanceof RouteTarget.Http http) {
                String base = http.base().toString();
                base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
                // the sample has a segment after the prefix, so its upstream path starts with '/'
                lines.add("maps " + sample + " to " + base + path
                        + (route.upstreams().size() > 1 ? " (" + upstream.name() + ")" : ""));
            }
        }
        return lines;
    }

    /** A TOML string that means {@code s} to relay too: {@code $} is doubled so that nothing is substituted. */
    private static String string(String s) {
        return "\"" + Toml.tomlEscape(s.replace("$", "$$")) + "\"";
    }

    private static String duration(Duration d) {
        return string(Units.formatDuration(d));
    }

    private static String size(long bytes) {
        return string(Units.formatSize(bytes));
    }

    /** A key with its default name and no limit of its own is a plain string, as it is usually written. */
    private static String clientKeys(List<ClientKey> keys) {
        if (keys.isEmpty()) {
            return "[]  # none: no client authentication";
        }
        List<String> items = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            ClientKey key = keys.get(i);
            if (key.name().equals(ClientKeysReader.defaultName(i)) && key.maxStreams() == ClientKey.NO_LIMIT) {
                items.add(MASK);
            } else {
                items.add("{ key = " + MASK + ", name = " + string(key.name())
                        + (key.maxStreams() == ClientKey.NO_LIMIT ? "" : ", max_streams = " + key.maxStreams()) + " }");
            }
        }
        return "[" + String.join(", ", items) + "]  # " + keys.size() + (keys.size() == 1 ? " key" : " keys")
                + ", values hidden";
    }

    private static String target(RouteTarget target) {
        return switch (target) {
            case RouteTarget.Http http -> string(http.base().toString());
            case RouteTarget.Demo demo -> string(UpstreamUri.DEMO) + "  # the built-in simulated model";
        };
    }

    /** A route written with {@code upstream = "..."}: one upstream with neither name nor headers of its own. */
    private static boolean isSingle(Route route) {
        RouteUpstream only = route.upstreams().get(0);
        return route.upstreams().size() == 1 && only.headers().isEmpty()
                && only.name().equals(RouteUpstream.defaultName(only.target()));
    }

    private static void trust(Lines table, RouteTarget target) {
        if (target instanceof RouteTarget.Http http) {
            http.trust().file().ifPresent(file -> table.set("ca_file", string(file.toString()))
                    .set("ca_mode", string(http.trust().replaceDefault() ? "replace" : "add")));
            http.trust().identity().ifPresent(id -> table.set("client_cert", string(id.certFile().toString()))
                    .set("client_key", string(id.keyFile().toString())));
            switch (http.proxy()) {
                case RouteTarget.ProxyChoice.Inherit inherit -> { }
                case RouteTarget.ProxyChoice.Direct direct -> table.set("proxy", string("direct"));
                case RouteTarget.ProxyChoice.Via via -> table.set("proxy", string(via.proxy().printable()));
            }
        }
    }

    private static String headers(Map<String, String> headers) {
        if (headers.isEmpty()) {
            return "{}";
        }
        return headers.keySet().stream()
                .sorted(String.CASE_INSENSITIVE_ORDER)
                .map(name -> key(name) + " = " + MASK)
                .collect(Collectors.joining(", ", "{ ", " }")) + "  # values hidden";
    }

    /** Header names may hold characters a bare TOML key may not ({@code X.Y}, {@code X!}). */
    private static String key(String name) {
        return BARE_KEY.matcher(name).matches() ? name : "\"" + Toml.tomlEscape(name) + "\"";
    }

    /** Aligned {@code key = value} lines under table headers, one blank line between tables. */
    private static final class Lines {
        private static final int KEY_WIDTH = 16;
        private final StringBuilder text = new StringBuilder();

        /** A comment is one line: a file name with a line break must not end it. */
        Lines comment(String s) {
            return line("# " + Setting.printable(s));
        }

        Lines table(String header) {
            return line("").line(header);
        }

        Lines set(String key, Object value) {
            return line(String.format("%-" + KEY_WIDTH + "s = %s", key, value));
        }

        private Lines line(String s) {
            text.append(s).append('\n');
            return this;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
