package relay.config;

/**
 * A configuration mistake, as the one line the operator sees: {@code file:line:col: what is wrong}, or
 * {@code relay: file: what is wrong} when the file itself cannot be read.
 */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
