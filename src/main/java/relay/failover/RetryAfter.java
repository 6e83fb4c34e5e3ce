package relay.failover;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** An upstream's {@code Retry-After} (RFC 9110 §10.2.3): seconds, or an HTTP date. */
final class RetryAfter {
    /** Longer asks are read as this: an upstream cannot park itself for days through one header. */
    static final Duration LONGEST = Duration.ofHours(1);

    private RetryAfter() {
    }

    static Optional<Duration> parse(String value, Instant now) {
        String v = value.trim();
        if (v.matches("\\d{1,10}")) {
            return Optional.of(cap(Duration.ofSeconds(Long.parseLong(v))));
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration wait = Duration.between(now, at);
            return Optional.of(wait.isNegative() ? Duration.ZERO : cap(wait));
        } catch (DateTimeParseException e) {
            return Optional.empty(); // not a value the RFC allows: as if it were absent
        }
    }

    private static Duration cap(Duration d) {
        return d.compareTo(LONGEST) > 0 ? LONGEST : d;
    }
}
