package relay.config;

/** {@code [log]}: the access log, one line per exchange when it ends. */
public record LogSettings(Format format, Level level) {

    public enum Format {
        /** One JSON object per line (jackson), for log pipelines. */
        JSON,
        /** {@code key=value} text for people reading a terminal. */
        TEXT
    }

    public enum Level {
        /** Every exchange. */
        INFO,
        /** Only exchanges that failed: status 5xx, or an end reason other than done, eof or client_gone. */
        ERROR,
        /** No access log. */
        OFF
    }

    public static final LogSettings DEFAULTS = new LogSettings(Format.JSON, Level.INFO);
}
