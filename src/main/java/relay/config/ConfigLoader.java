package relay.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Reads relay's TOML configuration (spec §4) into a {@link Config}. Any mistake, from an unreadable file to
 * a duplicate route, is one {@link ConfigException} naming the file (and, for its contents, the line and
 * column); no message ever
 * contains a secret (route header values, client keys, substituted environment values).
 */
public final class ConfigLoader {
    private static final Set<String> TABLES = Set.of("server", "ping", "upstream", "stream", "demo", "routes", "log");

    private ConfigLoader() {
    }

    /**
     * @param env the environment for {@code ${NAME}} substitution; production passes {@code System.getenv()}
     */
    public static Config load(Path file, Map<String, String> env) throws ConfigException {
        SourceFile source = new SourceFile(file.toString());
        TableReader root = TableReader.root(source, new EnvSubstitution(env), TomlFile.parse(file, source));
        root.allowOnly(TABLES);
        return new Config(
                file,
                SettingsReader.server(root.section("server")),
                SettingsReader.ping(root.section("ping")),
                SettingsReader.upstream(root.section("upstream")),
                SettingsReader.stream(root.section("stream")),
                SettingsReader.demo(root.section("demo")),
                RouteReader.routes(root),
                SettingsReader.log(root.section("log")));
    }
}
