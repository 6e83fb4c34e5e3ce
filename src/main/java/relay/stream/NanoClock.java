package relay.stream;

/** Monotonic time, injected so that deadline arithmetic can be tested without waiting. */
@FunctionalInterface
public interface NanoClock {
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
