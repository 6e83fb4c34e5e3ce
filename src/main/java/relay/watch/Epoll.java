package relay.watch;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Linux {@code epoll(7)} and an {@code eventfd(2)} to wake it, through the FFM API: exactly what
 * {@link ClientWatcher} needs, nothing more. An epoll set of relay's own, separate from the JDK's
 * poller: adding a socket to it changes nothing about the socket (its blocking mode, its bytes).
 */
final class Epoll implements AutoCloseable {
    static final int EPOLLIN = 0x001;
    /**
     * The peer shut its sending side down (FIN): a departed client, or one that half-closed. A reset
     * comes with EPOLLHUP and EPOLLERR, which epoll reports whether asked for or not.
     */
    static final int EPOLLRDHUP = 0x2000;
    /** Reported once, then disarmed: a departure is one event, not one per wait. */
    static final int EPOLLONESHOT = 1 << 30;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int CLOEXEC = 0x80000; // EPOLL_CLOEXEC and EFD_CLOEXEC
    private static final int EINTR = 4;
    private static final int ENOENT = 2;
    private static final int EBADF = 9;
    private static final int MAX_EVENTS = 256;
    /** The capture-state struct's size rounded up to 8, so an event struct can follow it. */
    private static final long STATE_SIZE = (Linker.Option.captureStateLayout().byteSize() + 7) & ~7L;

    /** {@code struct epoll_event}: packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
    private final long eventSize;
    private final long dataOffset;
    private final MethodHandle create;
    private final MethodHandle control;
    private final MethodHandle await;
    private final MethodHandle eventfd;
    private final MethodHandle write;
    private final MethodHandle close;
    private final VarHandle errno;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState;
    private final MemorySegment events;
    private final int epfd;
    private final int wakeFd;
    /**
     * add/remove hold it shared, close exclusively: a call after close must not reach a descriptor
     * number that may already be another epoll set's (another server's in the same JVM).
     */
    private final ReentrantReadWriteLock open = new ReentrantReadWriteLock();
    private boolean closed;

    /** Opens an epoll set with its wake-up eventfd; throws where there is no epoll (not Linux). */
    static Epoll open() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            throw new IOException("epoll needs Linux, this is " + System.getProperty("os.name"));
        }
        return new Epoll();
    }

    private Epoll() throws IOException {
        String arch = System.getProperty("os.arch", "");
        boolean packed = arch.equals("amd64") || arch.equals("x86_64");
        eventSize = packed ? 12 : 16;
        dataOffset = packed ? 4 : 8;
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errnoCapture = Linker.Option.captureCallState("errno");
        MemoryLayout stateLayout = Linker.Option.captureStateLayout();
        errno = stateLayout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        create = handle(linker, libc, "epoll_create1", FunctionDescriptor.of(i, i), errnoCapture);
        control = handle(linker, libc, "epoll_ctl", FunctionDescriptor.of(i, i, i, i, ValueLayout.ADDRESS), errnoCapture);
        await = handle(linker, libc, "epoll_wait", FunctionDescriptor.of(i, i, ValueLayout.ADDRESS, i, i), errnoCapture);
        eventfd = handle(linker, libc, "eventfd", FunctionDescriptor.of(i, i, i), errnoCapture);
        write = handle(linker, libc, "write",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, i, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), errnoCapture);
        close = handle(linker, libc, "close", FunctionDescriptor.of(i, i), errnoCapture);
        callState = arena.allocate(stateLayout);
        events = arena.allocate(eventSize * MAX_EVENTS, 8);
        epfd = check("epoll_create1", call(() -> (int) create.invokeExact(callState, CLOEXEC)));
        wakeFd = check("eventfd", call(() -> (int) eventfd.invokeExact(callState, 0, CLOEXEC)));
        add(wakeFd, EPOLLIN, 0);
    }

    private static MethodHandle handle(Linker linker, SymbolLookup libc, String name, FunctionDescriptor descriptor,
            Linker.Option option) throws IOException {
        MemorySegment symbol = libc.find(name).orElseThrow(() -> new IOException("libc has no " + name));
        return linker.downcallHandle(symbol, descriptor, option);
    }

    /** Watches {@code fd} for {@code interest}; {@code token} comes back with its event. */
    void add(int fd, int interest, long token) throws IOException {
        int result;
        open.readLock().lock();
        try (Arena call = Arena.ofConfined()) {
            if (closed) {
                throw new IOException("epoll set closed");
            }
            MemorySegment both = call.allocate(STATE_SIZE + eventSize, 8); // one allocation per call
            MemorySegment state = both.asSlice(0, STATE_SIZE);
            MemorySegment event = both.asSlice(STATE_SIZE, eventSize);
            event.set(ValueLayout.JAVA_INT_UNALIGNED, 0, interest);
            event.set(ValueLayout.JAVA_LONG_UNALIGNED, dataOffset, token);
            result = call(() -> (int) control.invokeExact(state, epfd, EPOLL_CTL_ADD, fd, event));
            if (result < 0) {
                throw new IOException("epoll_ctl(ADD) failed: errno " + (int) errno.get(state, 0L));
            }
        } finally {
            open.readLock().unlock();
        }
    }

    /**
     * Stops watching {@code fd}. A descriptor the JDK already closed left the set by itself (the
     * kernel drops a closed file's registrations): ENOENT and EBADF are that case, not errors.
     */
    void remove(int fd) throws IOException {
        open.readLock().lock();
        try (Arena call = Arena.ofConfined()) {
            if (closed) {
                return;
            }
            MemorySegment state = call.allocate(Linker.Option.captureStateLayout());
            int result = call(() -> (int) control.invokeExact(state, epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL));
            int error = result < 0 ? (int) errno.get(state, 0L) : 0;
            if (result < 0 && error != ENOENT && error != EBADF) {
                throw new IOException("epoll_ctl(DEL) failed: errno " + error);
            }
        } finally {
            open.readLock().unlock();
        }
    }

    /** What one {@link #await} call saw: event bits and token per ready descriptor. */
    interface Sink {
        void ready(int events, long token);
    }

    /**
     * Blocks (a platform thread: the call is native) until at least one watched descriptor is ready,
     * and hands each to {@code sink}. Returns false once {@link #wake} was called: the caller stops.
     * One thread only calls this.
     */
    boolean await(Sink sink) throws IOException {
        int n = call(() -> (int) await.invokeExact(callState, epfd, events, MAX_EVENTS, -1));
        if (n < 0) {
            int error = (int) errno.get(callState, 0L);
            if (error == EINTR) {
                return true;
            }
            throw new IOException("epoll_wait failed: errno " + error);
        }
        boolean woken = false;
        for (int k = 0; k < n; k++) {
            long base = k * eventSize;
            int bits = events.get(ValueLayout.JAVA_INT_UNALIGNED, base);
            long token = events.get(ValueLayout.JAVA_LONG_UNALIGNED, base + dataOffset);
            if (token == 0) {
                woken = true;
            } else {
                sink.ready(bits, token);
            }
        }
        return !woken;
    }

    /** Makes the thread in {@link #await} return false; safe from any thread. */
    void wake() throws IOException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment one = call.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            MemorySegment state = call.allocate(Linker.Option.captureStateLayout());
            long written = callLong(() -> (long) write.invokeExact(state, wakeFd, one, 8L));
            if (written != 8) {
                throw new IOException("eventfd write failed: errno " + (int) errno.get(state, 0L));
            }
        }
    }

    /** Closes both descriptors; only once the thread that awaits has returned. */
    @Override
    public void close() {
        open.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            call(() -> (int) close.invokeExact(callState, wakeFd));
            call(() -> (int) close.invokeExact(callState, epfd));
            arena.close();
        } finally {
            open.writeLock().unlock();
        }
    }

    private int check(String what, int result) throws IOException {
        if (result < 0) {
            throw new IOException(what + " failed: errno " + (int) errno.get(callState, 0L));
        }
        return result;
    }

    @FunctionalInterface
    private interface IntCall {
        int invoke() throws Throwable;
    }

    @FunctionalInterface
    private interface LongCall {
        long invoke() throws Throwable;
    }

    private static int call(IntCall call) {
        try {
            return call.invoke();
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    private static long callLong(LongCall call) {
        try {
            return call.invoke();
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }
}
