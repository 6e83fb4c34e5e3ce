package relay.config;

import static relay.config.TableReader.Sign.ANY;
import static relay.config.TableReader.Sign.NON_NEGATIVE;
import static relay.config.TableReader.Sign.POSITIVE;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The single tables {@code [server]}, {@code [ping]}, {@code [upstream]}, {@code [stream]} and {@code [demo]}. */
final class SettingsReader {
    /** Linux refuses a TCP_KEEPIDLE above this (MAX_TCP_KEEPIDLE). */
    private static final Duration MAX_KEEPALIVE = Duration.ofSeconds(32_767);

    private SettingsReader() {
    }

    static ServerSettings server(TableReader t) throws ConfigException {
        t.allowOnly(Set.of("listen", "max_streams", "max_body", "drain_timeout", "client_keys", "request_timeout",
                "max_headers", "max_header_bytes"));
        ServerSettings d = ServerSettings.DEFAULTS;
        int maxStreams = (int) t.integer("max_streams", d.maxStreams(), 1, Integer.MAX_VALUE);
        return new ServerSettings(
                listen(t, d.listen()),
                maxStreams,
                t.size("max_body", d.maxBody()),
                t.duration("drain_timeout", d.drainTimeout(), POSITIVE),
                ClientKeysReader.read(t, maxStreams),
                wholeSeconds(t, "request_timeout", t.duration("request_timeout", d.requestTimeout(), POSITIVE)),
                (int) t.integer("max_headers", d.maxHeaders(), 1, 10_000),
                (int) Math.min(Integer.MAX_VALUE, t.size("max_header_bytes", d.maxHeaderBytes())));
    }

    /** The JDK server counts its request deadline in whole seconds. */
    private static Duration wholeSeconds(TableReader t, String key, Duration value) throws ConfigException {
        if (value.toMillis() % 1000 != 0) {
            var setting = t.string(key, false);
            if (setting.isPresent()) {
                throw t.invalid(setting.get(), "must be a whole number of seconds");
            }
        }
        return value;
    }

    private static InetSocketAddress listen(TableReader t, InetSocketAddress fallback) throws ConfigException {
        var setting = t.string("listen", false);
        if (setting.isEmpty()) {
            return fallback;
        }
        try {
            return ListenAddress.parse(setting.get().value());
        } catch (InvalidValue e) {
            throw t.invalid(setting.get(), e.reason());
        }
    }

    static PingSettings ping(TableReader t) throws ConfigException {
        t.allowOnly(Set.of("enabled", "interval", "write_timeout", "header_grace", "comment"));
        PingSettings d = PingSettings.DEFAULTS;
        boolean enabled = t.bool("enabled", d.enabled());
        Duration interval = t.duration("interval", d.interval(), ANY);
        return new PingSettings(
                enabled,
                // new-api's rule: an interval of zero or less means the default.
                interval.isNegative() || interval.isZero() ? PingSettings.DEFAULT_INTERVAL : interval,
                t.duration("write_timeout", d.writeTimeout(), POSITIVE),
                t.duration("header_grace", d.headerGrace(), NON_NEGATIVE),
                comment(t, d.comment()));
    }

    private static String comment(TableReader t, String fallback) throws ConfigException {
        var setting = t.string("comment", false);
        if (setting.isEmpty()) {
            return fallback;
        }
        String comment = setting.get().value();
        // The comment is written as ": <comment>\n\n"; a line break would end the comment and start an event.
        if (comment.indexOf('\n') >= 0 || comment.indexOf('\r') >= 0) {
            throw t.invalid(setting.get(), "must not contain a line break (CR or LF)");
        }
        return comment;
    }

    static UpstreamSettings upstream(TableReader t) throws ConfigException {
        t.allowOnly(Set.of("connect_timeout", "keepalive", "max_idle_per_host", "idle_ttl", "proxy", "no_proxy"));
        UpstreamSettings d = UpstreamSettings.DEFAULTS;
        Duration connectTimeout = t.duration("connect_timeout", d.connectTimeout(), POSITIVE);
        Duration keepalive = t.duration("keepalive", d.keepalive(), POSITIVE);
        // TCP_KEEPIDLE counts whole seconds: rounding 1500ms silently would make the setting lie.
        if (keepalive.getNano() != 0 || keepalive.compareTo(Duration.ofSeconds(1)) < 0) {
            throw t.invalid("keepalive", "must be a whole number of seconds, at least 1s (TCP keepalive counts seconds)");
        }
        if (keepalive.compareTo(MAX_KEEPALIVE) > 0) {
            throw t.invalid("keepalive", "must be at most " + Units.formatDuration(MAX_KEEPALIVE) + " (the kernel's limit)");
        }
        return new UpstreamSettings(connectTimeout, keepalive,
                (int) t.integer("max_idle_per_host", d.maxIdlePerHost(), 0, 4096),
                t.duration("idle_ttl", d.idleTtl(), POSITIVE),
                proxy(t));
    }

    /** The proxy URL may carry user:password: it is read as a secret, like headers. */
    private static java.util.Optional<EgressProxy> proxy(TableReader t) throws ConfigException {
        java.util.List<String> noProxy = new java.util.ArrayList<>();
        for (Setting entry : t.strings("no_proxy", false)) {
            noProxy.add(entry.value().trim());
        }
        var url = t.string("proxy", true);
        if (url.isEmpty() || url.get().value().isEmpty()) {
            if (!noProxy.isEmpty()) {
                throw t.invalid("no_proxy", "needs upstream.proxy");
            }
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(EgressProxy.parse(url.get().value(), noProxy));
        } catch (InvalidValue e) {
            throw t.invalid(url.get(), e.reason());
        }
    }

    static StreamSettings stream(TableReader t) throws ConfigException {
        t.allowOnly(Set.of("idle_timeout", "max_duration", "max_line", "first_event_timeout"));
        StreamSettings d = StreamSettings.DEFAULTS;
        return new StreamSettings(
                t.duration("idle_timeout", d.idleTimeout(), POSITIVE),
                t.duration("max_duration", d.maxDuration(), POSITIVE),
                t.size("max_line", d.maxLine()),
                t.duration("first_event_timeout", d.firstEventTimeout(), NON_NEGATIVE));
    }

    static DemoSettings demo(TableReader t) throws ConfigException {
        t.allowOnly(Set.of("think", "tokens", "token_interval"));
        DemoSettings d = DemoSettings.DEFAULTS;
        return new DemoSettings(
                t.duration("think", d.think(), NON_NEGATIVE),
                (int) t.integer("tokens", d.tokens(), 1, Integer.MAX_VALUE),
                t.duration("token_interval", d.tokenInterval(), POSITIVE));
    }

    static LogSettings log(TableReader t) throws ConfigException {
        t.allowOnly(Set.of("format", "level"));
        LogSettings d = LogSettings.DEFAULTS;
        LogSettings.Format format = d.format();
        var f = t.string("format", false);
        if (f.isPresent()) {
            format = switch (f.get().value()) {
                case "json" -> LogSettings.Format.JSON;
                case "text" -> LogSettings.Format.TEXT;
                default -> throw t.invalid(f.get(), "must be \"json\" or \"text\"");
            };
        }
        LogSettings.Level level = d.level();
        var l = t.string("level", false);
        if (l.isPresent()) {
            level = switch (l.get().value()) {
                case "info" -> LogSettings.Level.INFO;
                case "error" -> LogSettings.Level.ERROR;
                case "off" -> LogSettings.Level.OFF;
                default -> throw t.invalid(l.get(), "must be \"info\", \"error\" or \"off\"");
            };
        }
        return new LogSettings(format, level);
    }
}
