package relay;

/** relay's entry point on JDK 25 (the jar's manifest points at the Java 17 launcher, which lands here). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = new CommandLine(System.out, System.err, System.getenv()).run(args);
        if (code != CommandLine.KEEP_RUNNING) {
            System.exit(code);
        }
    }
}
