package relay.config;

/**
 * A value that cannot be interpreted, detected where its position is unknown; the caller adds the setting's
 * name and position. The reason never repeats the value, so that it can be shown for secret settings too.
 */
final class InvalidValue extends Exception {
    InvalidValue(String reason) {
        super(reason, null, false, false);
    }

    String reason() {
        return getMessage();
    }
}
