package relay.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations ({@code "1500ms"}, {@code "10s"}, {@code "30m"}, {@code "1h"}) and sizes ({@code "16MiB"}), both ways. */
final class Units {
    private static final Pattern AMOUNT = Pattern.compile("([+-]?)([0-9]+)\\s*([A-Za-z]*)");
    private static final long KIB = 1024;
    private static final long MIB = KIB * 1024;
    private static final long GIB = MIB * 1024;

    private Units() {
    }

    static Duration parseDuration(String text) throws InvalidValue {
        Matcher m = AMOUNT.matcher(text.strip());
        if (!m.matches()) {
            throw new InvalidValue("is not a duration (write a whole number and a unit, e.g. \"10s\", \"1500ms\", \"30m\")");
        }
        ChronoUnit unit = switch (m.group(3)) {
            case "ms" -> ChronoUnit.MILLIS;
            case "s" -> ChronoUnit.SECONDS;
            case "m" -> ChronoUnit.MINUTES;
            case "h" -> ChronoUnit.HOURS;
            case "" -> throw new InvalidValue(
                    "needs a unit: ms, s, m or h (only a bare TOML integer, without quotes, means seconds)");
            default -> throw new InvalidValue("has an unknown unit (use ms, s, m or h)");
        };
        try {
            return Duration.of(amount(m), unit);
        } catch (ArithmeticException e) {
            throw new InvalidValue("is too large");
        }
    }

    static long parseSize(String text) throws InvalidValue {
        Matcher m = AMOUNT.matcher(text.strip());
        if (!m.matches()) {
            throw new InvalidValue("is not a size (write a whole number and a unit, e.g. \"16MiB\", \"512KiB\")");
        }
        long unit = switch (m.group(3)) {
            case "B" -> 1;
            case "KiB" -> KIB;
            case "MiB" -> MIB;
            case "GiB" -> GIB;
            case "" -> throw new InvalidValue(
                    "needs a unit: B, KiB, MiB or GiB (only a bare TOML integer, without quotes, means bytes)");
            case "K", "KB", "kB", "k", "kb", "M", "MB", "mb", "G", "GB", "gb" -> throw new InvalidValue(
                    "uses a decimal unit: sizes take B, KiB, MiB or GiB (1 KiB = 1024 B)");
            default -> throw new InvalidValue("has an unknown unit (use B, KiB, MiB or GiB)");
        };
        try {
            return Math.multiplyExact(amount(m), unit);
        } catch (ArithmeticException e) {
            throw new InvalidValue("is too large");
        }
    }

    private static long amount(Matcher m) throws InvalidValue {
        try {
            long magnitude = Long.parseLong(m.group(2));
            return m.group(1).equals("-") ? -magnitude : magnitude;
        } catch (NumberFormatException e) {
            throw new InvalidValue("is too large");
        }
    }

    /** The shortest exact form in the units {@link #parseDuration} accepts, so the output can be pasted back. */
    static String formatDuration(Duration d) {
        if (d.isNegative()) {
            return "-" + formatDuration(d.negated());
        }
        long seconds = d.getSeconds();
        int nanos = d.getNano();
        if (nanos % 1_000_000 != 0) {
            return d.toString();
        }
        if (nanos != 0) {
            return (seconds * 1000 + nanos / 1_000_000) + "ms";
        }
        if (seconds != 0 && seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds != 0 && seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }

    static String formatSize(long bytes) {
        if (bytes != 0 && bytes % GIB == 0) {
            return bytes / GIB + "GiB";
        }
        if (bytes != 0 && bytes % MIB == 0) {
            return bytes / MIB + "MiB";
        }
        if (bytes != 0 && bytes % KIB == 0) {
            return bytes / KIB + "KiB";
        }
        return bytes + "B";
    }
}
