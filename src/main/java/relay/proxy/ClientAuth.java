package relay.proxy;

import com.sun.net.httpserver.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import relay.config.ClientKey;

/**
 * Checks {@code server.client_keys}: a client sends one as {@code Authorization: Bearer <key>} or
 * {@code x-api-key: <key>} (as Anthropic clients do). Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, which takes the same time wherever they differ and does not reveal
 * a key's length.
 */
final class ClientAuth {
    private final List<ClientKey> keys;
    private final List<byte[]> keyDigests = new ArrayList<>();

    ClientAuth(List<ClientKey> keys) {
        this.keys = List.copyOf(keys);
        for (ClientKey key : keys) {
            keyDigests.add(digest(key.key()));
        }
    }

    boolean enabled() {
        return !keyDigests.isEmpty();
    }

    /** The key the request presents, if it is one of ours (the first of equal keys). */
    Optional<ClientKey> identify(Headers headers) {
        String presented = presentedKey(headers);
        if (presented == null) {
            return Optional.empty();
        }
        byte[] digest = digest(presented);
        int match = -1;
        for (int i = 0; i < keyDigests.size(); i++) {
            // no early exit: every key is compared, whichever matches
            if (MessageDigest.isEqual(keyDigests.get(i), digest) && match < 0) {
                match = i;
            }
        }
        return match < 0 ? Optional.empty() : Optional.of(keys.get(match));
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
