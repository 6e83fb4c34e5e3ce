package relay.config;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The effective configuration as {@code relay --check} prints it: every setting with defaults filled in, in
 * the units the file takes. Client keys appear only as a count and route header values as {@code ***}.
 */
public final class ConfigPrinter {
    private static final String MASK = "***";

    private ConfigPrinter() {
    }

    public static String describe(Config c) {
        Lines out = new Lines();
        out.line("# effective configuration of " + c.source());
        ServerSettings server = c.server();
        out.table("[server]")
                .set("listen", listen(server.listen()))
                .set("max_streams", server.maxStreams())
                .set("max_body", Units.formatSize(server.maxBody()))
                .set("drain_timeout", Units.formatDuration(server.drainTimeout()))
                .set("request_timeout", Units.formatDuration(server.requestTimeout()))
                .set("max_headers", server.maxHeaders())
                .set("max_header_bytes", Units.formatSize(server.maxHeaderBytes()))
                .set("client_keys", server.clientKeys().isEmpty()
                        ? "none (no client authentication)"
                        : server.clientKeys().size() + " key(s), values hidden");
        PingSettings ping = c.ping();
        out.table("[ping]")
                .set("enabled", ping.enabled())
                .set("interval", Units.formatDuration(ping.interval()))
                .set("write_timeout", Units.formatDuration(ping.writeTimeout()))
                .set("header_grace", Units.formatDuration(ping.headerGrace()))
                .set("comment", Setting.quote(ping.comment()));
        out.table("[upstream]")
                .set("connect_timeout", Units.formatDuration(c.upstream().connectTimeout()))
                .set("keepalive", Units.formatDuration(c.upstream().keepalive()));
        StreamSettings stream = c.stream();
        out.table("[stream]")
                .set("idle_timeout", Units.formatDuration(stream.idleTimeout()))
                .set("max_duration", Units.formatDuration(stream.maxDuration()))
                .set("max_line", Units.formatSize(stream.maxLine()));
        out.table("[log]")
                .set("format", c.log().format().name().toLowerCase(java.util.Locale.ROOT))
                .set("level", c.log().level().name().toLowerCase(java.util.Locale.ROOT));

        DemoSettings demo = c.demo();
        out.table("[demo]")
                .set("think", Units.formatDuration(demo.think()))
                .set("tokens", demo.tokens())
                .set("token_interval", Units.formatDuration(demo.tokenInterval()));
        for (Route route : c.routes()) {
            out.table("[[routes]]")
                    .set("prefix", route.prefix())
                    .set("upstream", target(route.target()))
                    .set("headers", headers(route))
                    .set("ping", route.ping())
                    .set("errors", route.errors().name().toLowerCase(Locale.ROOT));
        }
        return out.toString();
    }

    private static String listen(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.contains(":") ? "[" + shortIpv6(host) + "]" : host) + ":" + address.getPort();
    }

    /** The JDK prints {@code ::1} as {@code 0:0:0:0:0:0:0:1}; RFC 5952 folds the longest run of zero groups. */
    private static String shortIpv6(String full) {
        String[] groups = full.split(":", -1);
        int bestStart = -1;
        int bestLength = 1; // a single zero group stays as it is
        for (int i = 0; i < groups.length; i++) {
            int length = 0;
            while (i + length < groups.length && groups[i + length].equals("0")) {
                length++;
            }
            if (length > bestLength) {
                bestStart = i;
                bestLength = length;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }

    private static String target(RouteTarget target) {
        return switch (target) {
            case RouteTarget.Http http -> http.base().toString();
            case RouteTarget.Demo demo -> UpstreamUri.DEMO + " (built-in simulated model)";
        };
    }

    private static String headers(Route route) {
        if (route.headers().isEmpty()) {
            return "none";
        }
        return route.headers().keySet().stream()
                .sorted(String.CASE_INSENSITIVE_ORDER)
                .map(name -> name + ": " + MASK)
                .collect(Collectors.joining(", "));
    }

    /** Aligned {@code key = value} lines under table headers, one blank line between tables. */
    private static final class Lines {
        private static final int KEY_WIDTH = 15;
        private final StringBuilder text = new StringBuilder();

        Lines line(String s) {
            text.append(s).append('\n');
            return this;
        }

        Lines table(String header) {
            return line("").line(header);
        }

        Lines set(String key, Object value) {
            return line(String.format("%-" + KEY_WIDTH + "s = %s", key, value));
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
