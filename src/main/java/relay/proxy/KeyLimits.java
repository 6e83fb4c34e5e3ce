package relay.proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import relay.config.ClientKey;
import relay.ops.Metrics;

/**
 * Bounds each client key with a {@code max_streams} of its own to that many exchanges in flight,
 * checked before the key takes one of {@code server.max_streams}: a key at its limit is refused
 * without holding a slot the other keys need.
 */
final class KeyLimits {
    private final Map<String, Semaphore> slots = new HashMap<>();
    private final Metrics metrics;

    KeyLimits(List<ClientKey> keys, Metrics metrics) {
        this.metrics = metrics;
        for (ClientKey key : keys) {
            if (key.maxStreams() != ClientKey.NO_LIMIT) {
                slots.put(key.name(), new Semaphore(key.maxStreams()));
            }
        }
    }

    /** False when {@code key} has its {@code max_streams} in flight; a null key (no client keys) always enters. */
    boolean tryEnter(ClientKey key) {
        if (key == null) {
            return true;
        }
        Semaphore own = slots.get(key.name());
        if (own != null && !own.tryAcquire()) {
            metrics.keyRefused(key.name());
            return false;
        }
        metrics.keyExchange(key.name(), 1);
        return true;
    }

    void leave(ClientKey key) {
        if (key == null) {
            return;
        }
        metrics.keyExchange(key.name(), -1);
        Semaphore own = slots.get(key.name());
        if (own != null) {
            own.release();
        }
    }
}
