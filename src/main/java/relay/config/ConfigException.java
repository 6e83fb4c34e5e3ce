package relay.config;

/** A configuration mistake; the message is already in {@code file:line:col: what is wrong} form. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
