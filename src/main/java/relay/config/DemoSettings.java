package relay.config;

import java.time.Duration;

/** {@code [demo]}: the simulated reasoning model served for routes with {@code upstream = "demo"}. */
public record DemoSettings(Duration think, int tokens, Duration tokenInterval) {

    public static final DemoSettings DEFAULTS =
            new DemoSettings(Duration.ofSeconds(5), 12, Duration.ofMillis(150));
}
