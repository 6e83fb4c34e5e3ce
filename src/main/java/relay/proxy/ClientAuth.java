package relay.proxy;

import com.sun.net.httpserver.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks {@code server.client_keys}: a client sends one as {@code Authorization: Bearer <key>} or
 * {@code x-api-key: <key>} (as Anthropic clients do). Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, which takes the same time wherever they differ and does not reveal
 * a key's length.
 */
final class ClientAuth {
    private final List<byte[]> keyDigests = new ArrayList<>();

    ClientAuth(List<String> keys) {
        for (String key : keys) {
            keyDigests.add(digest(key));
        }
    }

    boolean enabled() {
        return !keyDigests.isEmpty();
    }

    boolean accepts(Headers headers) {
        String presented = presentedKey(headers);
        if (presented == null) {
            return false;
        }
        byte[] digest = digest(presented);
        boolean match = false;
        for (byte[] key : keyDigests) {
            match |= MessageDigest.isEqual(key, digest); // no early exit: every key is compared
        }
        return match;
    }

    private static String presentedKey(Headers headers) {
        String authorization = headers.getFirst("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        String apiKey = headers.getFirst("x-api-key");
        return apiKey == null ? null : apiKey.trim();
    }

    /** The client's credentials are relay's; with client keys on they never go upstream. */
    static boolean isCredentialHeader(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals("authorization") || lower.equals("x-api-key");
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
