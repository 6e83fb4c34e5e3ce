package relay.ops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.time.InstantSource;
import relay.config.LogSettings;

/**
 * Writes one line per exchange when it ends: JSON (one object per line) or {@code key=value} text.
 * Paths are logged without their query string (it may carry secrets); no header values are logged.
 */
public final class AccessLog {
    private static final JsonFactory JSON = new JsonFactory();

    private final PrintStream out;
    private final InstantSource clock;
    private final LogSettings settings;

    public AccessLog(PrintStream out, InstantSource clock, LogSettings settings) {
        this.out = out;
        this.clock = clock;
        this.settings = settings;
    }

    /** Text format, every exchange. */
    public AccessLog(PrintStream out, InstantSource clock) {
        this(out, clock, new LogSettings(LogSettings.Format.TEXT, LogSettings.Level.INFO));
    }

    public void record(ExchangeLog entry) {
        if (settings.level() == LogSettings.Level.OFF
                || (settings.level() == LogSettings.Level.ERROR && !entry.failed())) {
            return;
        }
        out.println(settings.format() == LogSettings.Format.JSON ? json(entry) : text(entry));
    }

    /** A line of relay's own (start-up, shutdown), in the log's format. */
    public void info(String message) {
        if (settings.format() == LogSettings.Format.JSON) {
            StringWriter line = new StringWriter();
            try (JsonGenerator g = JSON.createGenerator(line)) {
                g.writeStartObject();
                g.writeStringField("time", clock.instant().toString());
                g.writeStringField("msg", message);
                g.writeEndObject();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            out.println(line);
        } else {
            out.println(clock.instant() + " " + message);
        }
    }

    private String text(ExchangeLog e) {
        StringBuilder line = new StringBuilder(256);
        line.append(clock.instant()).append(' ').append(e.method()).append(' ').append(e.path())
                .append(" id=").append(e.requestId())
                .append(" client=").append(e.client())
                .append(" route=").append(e.route())
                .append(" status=").append(e.status())
                .append(" stream=").append(e.stream())
                .append(" reason=").append(e.reason())
                .append(" duration_ms=").append(e.durationMs())
                .append(" upstream_headers_ms=").append(e.upstreamHeadersMs())
                .append(" first_event_ms=").append(e.firstEventMs())
                .append(" events=").append(e.events())
                .append(" pings=").append(e.pings())
                .append(" bytes_in=").append(e.bytesIn())
                .append(" bytes_out=").append(e.bytesOut());
        if (e.clientKey() != null) {
            line.append(" client_key=").append(e.clientKey());
        }
        if (e.model() != null) {
            line.append(" model=\"").append(quoted(e.model())).append('"');
        }
        if (e.upstreamRequestId() != null) {
            line.append(" upstream_request_id=").append(e.upstreamRequestId());
        }
        if (e.upstream() != null) {
            line.append(" upstream=").append(e.upstream());
        }
        if (e.attempts() != null) {
            line.append(" attempts=").append(e.attempts());
        }
        if (e.notRetried() != null) {
            line.append(" not_retried=\"").append(e.notRetried()).append('"');
        }
        if (e.usage() != null) {
            line.append(" tokens_in=").append(e.usage().input()).append(" tokens_out=").append(e.usage().output());
            if (e.usage().cacheRead() >= 0) {
                line.append(" tokens_cache_read=").append(e.usage().cacheRead());
            }
            if (e.usage().cacheWrite() >= 0) {
                line.append(" tokens_cache_write=").append(e.usage().cacheWrite());
            }
        }
        if (e.error() != null) {
            line.append(" error=\"").append(quoted(e.error())).append('"');
        }
        return line.toString();
    }

    /** A client's text in one quoted field: quotes and backslashes escaped, control characters as spaces. */
    private static String quoted(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("\\p{Cntrl}", " ");
    }

    private String json(ExchangeLog e) {
        StringWriter line = new StringWriter(384);
        try (JsonGenerator g = JSON.createGenerator(line)) {
            g.writeStartObject();
            g.writeStringField("time", clock.instant().toString());
            g.writeStringField("id", e.requestId());
            g.writeStringField("client", e.client());
            g.writeStringField("method", e.method());
            g.writeStringField("path", e.path());
            g.writeStringField("route", e.route());
            g.writeNumberField("status", e.status());
            g.writeBooleanField("stream", e.stream());
            g.writeStringField("reason", e.reason());
            g.writeNumberField("duration_ms", e.durationMs());
            g.writeNumberField("upstream_headers_ms", e.upstreamHeadersMs());
            g.writeNumberField("first_event_ms", e.firstEventMs());
            g.writeNumberField("events", e.events());
            g.writeNumberField("pings", e.pings());
            g.writeNumberField("bytes_in", e.bytesIn());
            g.writeNumberField("bytes_out", e.bytesOut());
            if (e.clientKey() != null) {
                g.writeStringField("client_key", e.clientKey());
            }
            if (e.model() != null) {
                g.writeStringField("model", e.model());
            }
            if (e.upstreamRequestId() != null) {
                g.writeStringField("upstream_request_id", e.upstreamRequestId());
            }
            if (e.upstream() != null) {
                g.writeStringField("upstream", e.upstream());
            }
            if (e.attempts() != null) {
                g.writeStringField("attempts", e.attempts());
            }
            if (e.notRetried() != null) {
                g.writeStringField("not_retried", e.notRetried());
            }
            if (e.usage() != null) {
                g.writeObjectFieldStart("usage");
                g.writeNumberField("input_tokens", e.usage().input());
                g.writeNumberField("output_tokens", e.usage().output());
                if (e.usage().cacheRead() >= 0) {
                    g.writeNumberField("cache_read_input_tokens", e.usage().cacheRead());
                }
                if (e.usage().cacheWrite() >= 0) {
                    g.writeNumberField("cache_creation_input_tokens", e.usage().cacheWrite());
                }
                g.writeEndObject();
            }
            if (e.error() != null) {
                g.writeStringField("error", e.error());
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        return line.toString();
    }
}
