package relay.config;

import java.time.Duration;

/** Durations as the config file writes them ({@code "500ms"}, {@code "30s"}), for messages that quote a setting. */
public final class DurationFormat {
    private DurationFormat() {
    }

    public static String format(Duration duration) {
        return Units.formatDuration(duration);
    }
}
