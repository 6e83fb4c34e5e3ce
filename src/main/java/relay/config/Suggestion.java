package relay.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;

/** The known name an unknown key was probably meant to be ({@code intervall} → {@code interval}). */
final class Suggestion {
    private static final int MAX_EDITS = 2;

    private Suggestion() {
    }

    static Optional<String> closest(String typed, Collection<String> known) {
        return known.stream()
                .filter(k -> distance(typed, k) <= Math.min(MAX_EDITS, k.length() / 2))
                .min(Comparator.comparingInt((String k) -> distance(typed, k)).thenComparing(k -> k));
    }

    /** Levenshtein distance, case-insensitive: {@code Interval} is a typo of {@code interval} too. */
    static int distance(String a, String b) {
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        int[] previous = new int[y.length() + 1];
        int[] current = new int[y.length() + 1];
        for (int j = 0; j <= y.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= x.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= y.length(); j++) {
                int substitute = previous[j - 1] + (x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[y.length()];
    }
}
