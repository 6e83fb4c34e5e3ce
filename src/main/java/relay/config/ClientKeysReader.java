package relay.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * {@code server.client_keys}: each element a key string, or a table {@code { key, name, max_streams }}
 * (inline, or {@code [[server.client_keys]]}). A key without a name is {@code key-<n>}, its place in
 * the list: logs and metrics never show the key itself.
 */
final class ClientKeysReader {
    private static final String KEY = "client_keys";
    private static final Set<String> TABLE_KEYS = Set.of("key", "name", "max_streams");

    private ClientKeysReader() {
    }

    static String defaultName(int index) {
        return "key-" + (index + 1);
    }

    /** {@code maxStreams}: {@code server.max_streams}, which a key's own limit must stay below. */
    static List<ClientKey> read(TableReader server, int maxStreams) throws ConfigException {
        Object value = server.raw(KEY);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof TomlArray array)) {
            throw server.error(KEY, server.qualified(KEY) + " must be an array of keys (strings, or tables with key, "
                    + "name and max_streams), got " + TableReader.typeName(value));
        }
        List<ClientKey> keys = new ArrayList<>(array.size());
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < array.size(); i++) {
            TomlPosition where = array.inputPositionOf(i);
            ClientKey key = switch (array.get(i)) {
                case String s -> new ClientKey(checked(server, server.arrayString(KEY, i, where, s, true)).value(),
                        defaultName(i), ClientKey.NO_LIMIT);
                case TomlTable table -> table(server.element(table, i, where, KEY), i, maxStreams);
                case Object other -> throw server.error(where, server.qualified(KEY) + "[" + i
                        + "] must be a string or a table, got " + TableReader.typeName(other));
            };
            String other = names.putIfAbsent(key.name(), server.qualified(KEY) + "[" + i + "]");
            if (other != null) {
                throw server.error(where, server.qualified(KEY) + "[" + i + "].name " + Setting.quote(key.name())
                        + " is already the name of " + other);
            }
            keys.add(key);
        }
        return keys;
    }

    private static ClientKey table(TableReader t, int index, int serverMaxStreams) throws ConfigException {
        t.allowOnly(TABLE_KEYS);
        Optional<Setting> key = t.string("key", true);
        if (key.isEmpty()) {
            throw t.error(t.position(), t.name() + " has no key (add key = \"${CLIENT_KEY}\")");
        }
        checked(t, key.get());
        Optional<Setting> name = t.label("name");
        int maxStreams = (int) t.integer("max_streams", ClientKey.NO_LIMIT, 1, Integer.MAX_VALUE);
        if (maxStreams >= serverMaxStreams) {
            throw t.invalid("max_streams", "must be below server.max_streams (" + serverMaxStreams
                    + "): one key must not be able to take every slot");
        }
        return new ClientKey(key.get().value(), name.map(Setting::value).orElse(defaultName(index)), maxStreams);
    }

    private static Setting checked(TableReader t, Setting key) throws ConfigException {
        if (key.value().isEmpty()) {
            throw t.invalid(key, "is empty (an empty key would let anyone in)");
        }
        // A client sends the key as "Bearer <key>": one with blanks or line breaks could never match.
        if (key.value().chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw t.invalid(key, "contains whitespace or control characters");
        }
        return key;
    }
}
