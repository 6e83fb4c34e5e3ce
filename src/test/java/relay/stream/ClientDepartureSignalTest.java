package relay.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import relay.time.NanoClock;

/**
 * The departure signal cuts a blocked upstream read short (closing that socket) and never leaves an
 * interrupt behind for whatever the thread does after its wait.
 */
class ClientDepartureSignalTest {

    @Test
    void aDepartureDuringABlockedReadClosesThatSocketAndEndsTheWait() throws Exception {
        AtomicInteger closes = new AtomicInteger();
        ClientDeparture.Signal signal = new ClientDeparture.Signal(closes::incrementAndGet);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket upstream = new Socket(server.getInetAddress(), server.getLocalPort());
                Socket silent = server.accept()) {
            CountDownLatch reading = new CountDownLatch(1);
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread waiter = Thread.ofVirtual().start(() -> {
                try {
                    signal.cutShort(() -> {
                        reading.countDown();
                        return upstream.getInputStream().read(); // the upstream says nothing
                    });
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            assertTrue(reading.await(5, TimeUnit.SECONDS));
            signal.left();
            assertTrue(outcome.get(5, TimeUnit.SECONDS) instanceof ClientGoneException, String.valueOf(outcome.get()));
            assertTrue(upstream.isClosed(), "the interrupted read closes its socket: the upstream request is cancelled");
            waiter.join();
            assertEquals(-1, silent.getInputStream().read(), "the upstream sees the close");
        }
        signal.close();
        signal.close();
        assertEquals(1, closes.get(), "closing stops the watch once");
    }

    @Test
    void aClientGoneBeforeTheWaitNeverStartsIt() {
        ClientDeparture.Signal signal = new ClientDeparture.Signal(() -> { });
        signal.left();
        AtomicInteger calls = new AtomicInteger();
        assertThrows(ClientGoneException.class, () -> signal.cutShort(calls::incrementAndGet));
        assertEquals(0, calls.get());
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void aDepartureAfterTheWaitLeavesNoInterruptBehind() throws Exception {
        ClientDeparture.Signal signal = new ClientDeparture.Signal(() -> { });
        assertEquals("answer", signal.cutShort(() -> "answer"));
        signal.left(); // the wait is over: nobody to interrupt
        assertFalse(Thread.currentThread().isInterrupted());
        assertTrue(signal.gone());
        assertTrue(signal.awaitGone(NanoClock.SYSTEM, TimeUnit.SECONDS.toNanos(5)), "the pinger's wait ends at once");
    }

    @Test
    void aDepartureAsTheWaitReturnsIsReportedAndItsInterruptCleared() throws Exception {
        ClientDeparture.Signal signal = new ClientDeparture.Signal(() -> { });
        // the client leaves while the wait is still published but no longer blocked
        assertThrows(ClientGoneException.class, () -> signal.cutShort(() -> {
            signal.left();
            return "late answer";
        }));
        assertFalse(Thread.interrupted(), "the interrupt meant for the wait was cleared");
    }

    @Test
    void anUpstreamFailureWithTheClientStillThereIsTheUpstreamsFailure() {
        ClientDeparture.Signal signal = new ClientDeparture.Signal(() -> { });
        IOException failure = assertThrows(IOException.class, () -> signal.cutShort(() -> {
            throw new IOException("connection reset by upstream");
        }));
        assertEquals("connection reset by upstream", failure.getMessage());
        assertFalse(signal.gone());
    }
}
