package relay.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.upstream.HttpUpstreamTest.IDLE;
import static relay.upstream.HttpUpstreamTest.bodyOf;
import static relay.upstream.HttpUpstreamTest.get;
import static relay.upstream.HttpUpstreamTest.upstream;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@link UpstreamCall#awaitResponse} contract on a real socket: true only once a final head is
 * complete, false on a timeout without losing what was read, interim heads skipped and bounded.
 */
class InterimResponseTest {
    private static final Duration SLICE = Duration.ofMillis(100);

    /** The upstream sends one part per permit and reports each part sent. */
    private static final class Parts {
        final Semaphore send = new Semaphore(0);
        final Semaphore sent = new Semaphore(0);

        LoopbackUpstream.Script script(List<String> parts) {
            return (head, in, out) -> {
                for (String part : parts) {
                    assertTrue(send.tryAcquire(10, TimeUnit.SECONDS));
                    LoopbackUpstream.write(out, part);
                    sent.release();
                }
                in.read(); // hold the connection open until the client closes it
            };
        }

        void next() throws InterruptedException {
            send.release();
            assertTrue(sent.tryAcquire(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void anInterimHeadDoesNotCountAsTheResponse() throws Exception {
        Parts parts = new Parts();
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", parts.script(List.of(
                "HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")));
                UpstreamCall call = upstream(server.uri("http"), IDLE).call(get())) {
            parts.next();
            assertFalse(call.awaitResponse(SLICE));
            parts.next();
            assertTrue(call.awaitResponse(Duration.ofSeconds(10)));
            assertTrue(call.awaitResponse(Duration.ZERO)); // the head is kept, not read again
            UpstreamResponse response = call.response();
            assertEquals(200, response.status());
            assertEquals("ok", bodyOf(response));
        }
    }

    /** Each slice times out in the middle of a head; the next one continues where it stopped. */
    @Test
    void waitingInSlicesLosesNoBytes() throws Exception {
        Parts parts = new Parts();
        List<String> wire = List.of("HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 2",
                "01 Created\r\nContent-Le", "ngth: 5\r\nX-Id: 7\r", "\n\r\nhello");
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", parts.script(wire));
                UpstreamCall call = upstream(server.uri("http"), IDLE).call(get())) {
            assertFalse(call.awaitResponse(SLICE)); // nothing sent yet
            for (int i = 0; i < wire.size() - 1; i++) {
                parts.next();
                assertFalse(call.awaitResponse(SLICE), "after part " + i);
            }
            parts.next();
            assertTrue(call.awaitResponse(Duration.ofSeconds(10)));
            UpstreamResponse response = call.response();
            assertEquals(201, response.status());
            assertEquals("7", response.header("x-id").orElseThrow());
            assertEquals("hello", bodyOf(response));
        }
    }

    /** A per-read timeout would never fire on a byte every few milliseconds; the wait has a deadline. */
    @Test
    void aTricklingHeadDoesNotStretchTheWait() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) -> {
                    LoopbackUpstream.write(out, "HTTP/1.1 200 OK\r\nX-Slow: ");
                    for (int i = 0; i < 1000; i++) {
                        out.write('a');
                        out.flush();
                        Thread.sleep(10); // pacing the trickle, not synchronisation
                    }
                });
                UpstreamCall call = upstream(server.uri("http"), IDLE).call(get())) {
            long start = System.nanoTime();
            assertFalse(call.awaitResponse(Duration.ofMillis(200)));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(3).toNanos());
        }
    }

    @Test
    void switchingProtocolsIsAFinalHead() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) ->
                        LoopbackUpstream.write(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"));
                UpstreamCall call = upstream(server.uri("http"), IDLE).call(get())) {
            assertTrue(call.awaitResponse(Duration.ofSeconds(10)));
            assertEquals(101, call.response().status());
        }
    }

    @Test
    void tenInterimHeadsAreSkipped() throws Exception {
        String wire = "HTTP/1.1 100 Continue\r\n\r\n".repeat(9) + "HTTP/1.1 103 Early Hints\r\n\r\n" + HttpUpstreamTest.OK;
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) -> LoopbackUpstream.write(out, wire));
                UpstreamResponse response = upstream(server.uri("http"), IDLE).send(get())) {
            assertEquals(200, response.status());
            assertEquals("ok", bodyOf(response));
        }
    }

    @Test
    void anEleventhInterimHeadFailsTheCall() throws Exception {
        String wire = "HTTP/1.1 100 Continue\r\n\r\n".repeat(11) + HttpUpstreamTest.OK;
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) -> LoopbackUpstream.write(out, wire));
                UpstreamCall call = upstream(server.uri("http"), IDLE).call(get())) {
            IOException e = assertThrows(IOException.class, () -> call.awaitResponse(Duration.ofSeconds(10)));
            assertEquals("upstream sent too many interim responses", e.getMessage());
            assertThrows(IOException.class, call::response); // the failure stays: relay answers 502 with it
        }
    }

    @Test
    void interimHeadsShareOneSizeBudget() throws Exception {
        String interim = "HTTP/1.1 103 Early Hints\r\n" + ("Link: <" + "x".repeat(8000) + ">\r\n").repeat(4) + "\r\n";
        String wire = interim.repeat(9) + HttpUpstreamTest.OK; // each head is small, together over 256 KiB
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) -> {
                    LoopbackUpstream.write(out, wire);
                    in.read();
                });
                UpstreamCall call = upstream(server.uri("http"), IDLE).call(get())) {
            assertThrows(IOException.class, call::response);
        }
    }

    @Test
    void aConnectionClosedBeforeAnyHeadIsAnIOExceptionFromTheWait() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream("127.0.0.1", (head, in, out) -> { });
                UpstreamCall call = upstream(server.uri("http"), IDLE).call(get())) {
            assertThrows(IOException.class, () -> call.awaitResponse(Duration.ofSeconds(10)));
            assertThrows(IOException.class, call::response);
        }
    }

    @Test
    void anAnsweredCallIsAnsweredAtOnce() throws Exception {
        UpstreamResponse response = new UpstreamResponse(200, List.of(), java.io.InputStream.nullInputStream(), () -> { });
        UpstreamCall call = UpstreamCall.answered(response);
        assertTrue(call.awaitResponse(Duration.ZERO));
        assertEquals(response, call.response());
    }
}
