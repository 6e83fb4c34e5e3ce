package relay.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import relay.time.NanoClock;

/**
 * One stream's subtasks against a scripted upstream and a client output that behaves like a socket
 * channel (an interrupted write closes it). The deadline tests run on a test clock that advances
 * when the heartbeat sleeps, so the real defaults (10 s pings, 5 min idle, 30 min cap) are checked
 * exactly and without waiting.
 */
@Timeout(30)
class StreamSessionTest {
    private static final String PING = ": PING\n\n";
    private static final byte[] FINAL = "data: final\n\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * Time moves only when the heartbeat sleeps, and only once the upstream has gone silent: so the
     * upstream's events are all relayed at time zero, whatever the threads' speeds.
     */
    static final class TestClock implements NanoClock {
        final AtomicLong now = new AtomicLong(1);
        private final CountDownLatch upstreamSilent;

        TestClock(SilentAfter upstream) {
            this.upstreamSilent = upstream.silent;
        }

        @Override
        public long nanoTime() {
            return now.get();
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
            upstreamSilent.await();
            now.addAndGet(nanos);
        }
    }

    /** An upstream that sends {@code events} and then stays silent until it is cancelled. */
    static final class SilentAfter implements BodySource {
        private final byte[] events;
        final CountDownLatch silent = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);

        SilentAfter(String events) {
            this.events = events.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public InputStream open(ClientWriter writer) {
            return new InputStream() {
                private int position;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    if (position < events.length) {
                        int n = Math.min(length, events.length - position);
                        System.arraycopy(events, position, buffer, offset, n);
                        position += n;
                        return n;
                    }
                    silent.countDown();
                    try {
                        closed.await(); // silent; a cancelled read fails like an interrupted socket read
                        return -1;
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException("cancelled");
                    }
                }
            };
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    /**
     * A client output like the server's socket channel: a write from an interrupted thread closes it
     * for good. The write of the first event blocks as a client that reads slowly would, for at most
     * {@code stall}.
     */
    static final class ChannelLikeOutput extends OutputStream {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CountDownLatch stalledWriteStarted = new CountDownLatch(1);
        private final Duration stall;
        private boolean stalled;
        volatile boolean closedByInterrupt;

        ChannelLikeOutput(Duration stall) {
            this.stall = stall;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] buffer, int offset, int length) throws IOException {
            if (closedByInterrupt) {
                throw new IOException("closed");
            }
            if (!stalled && new String(buffer, offset, length, StandardCharsets.UTF_8).startsWith("data:")) {
                stalled = true;
                stalledWriteStarted.countDown();
                try {
                    new CountDownLatch(1).await(stall.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    closedByInterrupt = true;
                    throw new ClosedByInterruptException();
                }
            }
            received.write(buffer, offset, length);
        }

        synchronized String text() {
            return received.toString(StandardCharsets.UTF_8);
        }
    }

    private static StreamOptions options(boolean ping, Duration interval, Duration idle, Duration maxDuration) {
        return new StreamOptions(ping, interval, "PING", maxDuration, 1 << 20, idle, Duration.ofSeconds(10));
    }

    private static StreamEnd run(StreamOptions options, NanoClock clock, BodySource upstream, ClientWriter writer) {
        return new StreamSession(options, clock, Thread.ofVirtual().name("test-stream-", 0).factory()).run(upstream, writer, new UsageMeter());
    }

    @Test
    void silentUpstreamGetsAPingEveryIntervalUntilIdleTimeout() {
        SilentAfter upstream = new SilentAfter("");
        TestClock clock = new TestClock(upstream);
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        ClientWriter writer = new ClientWriter(client, clock);

        StreamEnd end = run(options(true, Duration.ofSeconds(10), Duration.ofSeconds(300), Duration.ofMinutes(30)),
                clock, upstream, writer);

        assertEquals(EndReason.IDLE_TIMEOUT, end.reason());
        // one ping at each 10 s mark up to and including 300 s, when the idle deadline ends it
        assertEquals(PING.repeat(30), client.toString(StandardCharsets.UTF_8));
        assertEquals(30, writer.counters().pings());
        assertEquals(0, upstream.closed.getCount(), "the upstream is closed when the stream ends");
    }

    @Test
    void eventsPushThePingsBackAndTheIdleDeadlineCountsFromTheLastUpstreamByte() {
        SilentAfter upstream = new SilentAfter("data: a\n\n");
        TestClock clock = new TestClock(upstream);
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        ClientWriter writer = new ClientWriter(client, clock);

        StreamEnd end = run(options(true, Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofMinutes(30)),
                clock, upstream, writer);

        assertEquals(EndReason.IDLE_TIMEOUT, end.reason());
        assertEquals("data: a\n\n" + PING + PING, client.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aRouteWithoutPingsStillEndsAtMaxDurationOnTheStreamsOwnClock() {
        SilentAfter upstream = new SilentAfter("data: a\n\n");
        TestClock clock = new TestClock(upstream);
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        ClientWriter writer = new ClientWriter(client, clock);

        StreamEnd end = run(options(false, Duration.ofSeconds(10), Duration.ofHours(2), Duration.ofMinutes(30)),
                clock, upstream, writer);

        assertEquals(EndReason.MAX_DURATION, end.reason());
        assertEquals("data: a\n\n", client.toString(StandardCharsets.UTF_8), "no pings on a route without them");
        assertEquals(0, upstream.closed.getCount());
    }

    @Test
    void aRouteWithoutPingsEndsAtIdleTimeoutToo() {
        SilentAfter upstream = new SilentAfter("");
        TestClock clock = new TestClock(upstream);
        ClientWriter writer = new ClientWriter(new ByteArrayOutputStream(), clock);

        StreamEnd end = run(options(false, Duration.ofSeconds(10), Duration.ofSeconds(300), Duration.ofMinutes(30)),
                clock, upstream, writer);

        assertEquals(EndReason.IDLE_TIMEOUT, end.reason());
        assertEquals(0, writer.counters().bytes());
    }

    /**
     * max_duration falls while an event is being written to a slow client. The write must finish and
     * the client must still get the final event: cancelling the scanner mid-write would close its
     * socket and truncate the body with no word of why.
     */
    @Test
    void finalEventSurvivesMaxDurationFallingDuringAWrite() {
        ChannelLikeOutput client = new ChannelLikeOutput(Duration.ofMillis(800));
        ClientWriter writer = new ClientWriter(client, NanoClock.SYSTEM);

        StreamEnd end = run(options(true, Duration.ofSeconds(10), Duration.ofSeconds(300), Duration.ofMillis(200)),
                NanoClock.SYSTEM, new SilentAfter("data: a\n\n"), writer);
        writer.writeFinal(FINAL);

        assertEquals(EndReason.MAX_DURATION, end.reason());
        assertFalse(client.closedByInterrupt, "the write in flight was cut by the stream's end");
        assertEquals("data: a\n\ndata: final\n\n", client.text());
    }

    /** relay shuts down (the exchange thread is interrupted) while an event is being written. */
    @Test
    void finalEventSurvivesShutdownDuringAWrite() throws Exception {
        ChannelLikeOutput client = new ChannelLikeOutput(Duration.ofMillis(500));
        ClientWriter writer = new ClientWriter(client, NanoClock.SYSTEM);
        AtomicReference<StreamEnd> end = new AtomicReference<>();
        Thread owner = Thread.ofVirtual().start(() -> {
            end.set(run(options(true, Duration.ofSeconds(10), Duration.ofSeconds(300), Duration.ofMinutes(30)),
                    NanoClock.SYSTEM, new SilentAfter("data: a\n\n"), writer));
            writer.writeFinal(FINAL);
        });
        assertTrue(client.stalledWriteStarted.await(10, TimeUnit.SECONDS));
        owner.interrupt();
        owner.join();

        assertEquals(EndReason.SHUTDOWN, end.get().reason());
        assertFalse(client.closedByInterrupt);
        assertEquals("data: a\n\ndata: final\n\n", client.text());
    }

    /** A bug in a subtask ends the stream at once as internal_error, not at max_duration. */
    @Test
    void aFailingSubtaskEndsTheStream() {
        ClientWriter writer = new ClientWriter(new ByteArrayOutputStream(), NanoClock.SYSTEM);
        BodySource broken = new BodySource() {
            @Override
            public InputStream open(ClientWriter w) {
                throw new IllegalStateException("bug");
            }

            @Override
            public void close() {
            }
        };

        StreamEnd end = run(options(true, Duration.ofSeconds(10), Duration.ofSeconds(300), Duration.ofMinutes(30)),
                NanoClock.SYSTEM, broken, writer);

        assertEquals(EndReason.INTERNAL_ERROR, end.reason());
    }

    @Test
    void aClientThatFailsEndsTheStreamAsClientGoneAndClosesTheUpstream() {
        OutputStream gone = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        SilentAfter upstream = new SilentAfter("data: a\n\n");
        StreamEnd end = run(options(true, Duration.ofSeconds(10), Duration.ofSeconds(300), Duration.ofMinutes(30)),
                NanoClock.SYSTEM, upstream, new ClientWriter(gone, NanoClock.SYSTEM));

        assertEquals(EndReason.CLIENT_GONE, end.reason());
        assertEquals(0, upstream.closed.getCount());
    }

    /**
     * The client leaves the moment it has [DONE], while the scanner still drains the upstream's last
     * chunk for the connection pool: the stream was done, not cut, and is reported so.
     */
    @Test
    void aClientThatLeavesAfterTheLastEventEndsTheStreamAsDone() {
        ClientDeparture.Signal departure = new ClientDeparture.Signal(() -> { });
        CountDownLatch neverDrained = new CountDownLatch(1);
        BodySource upstream = new BodySource() {
            @Override
            public InputStream open(ClientWriter writer) {
                return new java.io.ByteArrayInputStream("data: a\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void finished() throws IOException {
                departure.left(); // the client closed once [DONE] reached it
                try {
                    neverDrained.await(10, TimeUnit.SECONDS); // the drain ends only when the scope cancels it
                } catch (InterruptedException e) {
                    throw new InterruptedIOException("cancelled while draining");
                }
            }

            @Override
            public void close() {
            }
        };
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        ClientWriter writer = new ClientWriter(client, NanoClock.SYSTEM);
        StreamEnd end = new StreamSession(options(true, Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(30)),
                NanoClock.SYSTEM, Thread.ofVirtual().name("test-stream-", 0).factory())
                .run(upstream, writer, new UsageMeter(), departure);
        assertEquals(EndReason.DONE, end.reason());
        assertEquals("data: a\n\ndata: [DONE]\n\n", client.toString(StandardCharsets.UTF_8));
    }
}
