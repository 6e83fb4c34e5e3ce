package relay.upstream;

/** One HTTP header line; names keep the sender's casing and compare case-insensitively. */
public record Header(String name, String value) {

    public boolean is(String otherName) {
        return name.equalsIgnoreCase(otherName);
    }

    /** Values may be credentials: a header prints as its name only. */
    @Override
    public String toString() {
        return name + ": <" + value.length() + " chars>";
    }
}
