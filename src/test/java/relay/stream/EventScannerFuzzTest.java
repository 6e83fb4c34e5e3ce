package relay.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded, reproducible fuzzing of {@link EventScanner} (issue 5, "Fuzzing"): whatever the read sizes, the
 * slices it returns are the input, byte for byte, cut exactly at the event boundaries the SSE spec defines
 * (lines end in LF, CRLF or CR; an empty line ends an event); only {@code data: [DONE]} events are "done";
 * and on arbitrary bytes the only failure is {@link LineTooLongException}, exactly when an event outgrows
 * the limit. Every failure message names the seed, so a case can be replayed alone.
 */
class EventScannerFuzzTest {
    private static final long SEED = 0x5EEDL;
    private static final int VALID_CASES = 2000;
    private static final int BINARY_CASES = 1500;
    private static final int MAX_EVENT = 4096;
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    // ---- valid streams, random read sizes ----

    @Test
    void validStreamsComeOutByteIdenticalAndCutAtEventBoundariesWhateverTheReadSizes() throws Exception {
        for (int i = 0; i < VALID_CASES; i++) {
            long seed = SEED * 31 + i;
            Random random = new Random(seed);
            Generated stream = validStream(random);
            int maxRead = readSize(random);
            checkValid(seed, stream, maxRead);
        }
    }

    @Test
    void validStreamsReadOneByteAtATimeAndAllAtOnceGiveTheSameSlices() throws Exception {
        // the two extremes of the split, for a smaller set of streams
        for (int i = 0; i < 300; i++) {
            long seed = SEED * 17 + i;
            Generated stream = validStream(new Random(seed));
            checkValid(seed, stream, 1);
            checkValid(seed, stream, Integer.MAX_VALUE);
        }
    }

    private static void checkValid(long seed, Generated stream, int maxRead) throws IOException {
        String context = "seed " + seed + ", reads of at most " + maxRead + " bytes, input "
                + printable(stream.bytes);
        Run run = scan(stream.bytes, 1 << 20, new Random(seed ^ 0x9E3779B97F4A7C15L), maxRead);
        if (run.failure != null) {
            throw new AssertionError("scanner failed on a valid stream: " + context, run.failure);
        }
        assertArrayEquals(stream.bytes, run.concatenation(), "slices differ from the input: " + context);
        List<Boundary> boundaries = boundaries(stream.bytes);
        assertEquals(stream.events, boundaries.size(), "generator and reference parser disagree: " + context);

        int offset = 0;
        int next = 0; // the next reference boundary a slice must end at
        for (int s = 0; s < run.slices.size(); s++) {
            Slice slice = run.slices.get(s);
            int end = offset + slice.bytes.length;
            boolean last = s == run.slices.size() - 1;
            if (next < boundaries.size() && boundaries.get(next).matches(end)) {
                assertEquals(stream.done.get(next), slice.done,
                        "isDone wrong for event " + next + " " + printable(slice.bytes) + ": " + context);
                next++;
            } else {
                // only the bytes after the last empty line (or the LF of a split CRLF) may end otherwise
                assertTrue(last, "slice " + s + " " + printable(slice.bytes) + " does not end at an event boundary: "
                        + context);
                assertEquals(stream.bytes.length, end, context);
                assertFalse(slice.done, "a slice without its empty line was reported done: " + context);
            }
            offset = end;
        }
        assertEquals(boundaries.size(), next, "an event boundary produced no slice of its own: " + context);
    }

    // ---- arbitrary bytes ----

    @Test
    void arbitraryBytesComeOutUnchangedAndOnlyAnOversizeEventFails() throws Exception {
        int threw = 0;
        int completed = 0;
        for (int i = 0; i < BINARY_CASES; i++) {
            long seed = SEED * 7 + i;
            Random random = new Random(seed);
            byte[] input = binaryStream(random);
            int maxRead = readSize(random);
            String context = "seed " + seed + ", reads of at most " + maxRead + " bytes, " + input.length + " bytes";
            Run run = scan(input, MAX_EVENT, random, maxRead);

            assertTrue(run.maxBuffer <= MAX_EVENT + 1, "buffer grew to " + run.maxBuffer + " bytes: " + context);
            byte[] out = run.concatenation();
            assertArrayEquals(java.util.Arrays.copyOf(input, out.length), out, "slices differ from the input: " + context);

            List<Boundary> boundaries = boundaries(input);
            // every slice but the last ends at a boundary; isDone only for a [DONE] line inside a complete event
            int offset = 0;
            int next = 0; // the first boundary not yet reached by a slice
            for (int s = 0; s < run.slices.size(); s++) {
                Slice slice = run.slices.get(s);
                int end = offset + slice.bytes.length;
                boolean atBoundary = next < boundaries.size() && boundaries.get(next).matches(end);
                if (atBoundary) {
                    assertEquals(hasDoneLine(slice.bytes), slice.done, "isDone wrong for " + printable(slice.bytes)
                            + ": " + context);
                    next++;
                } else {
                    assertTrue(run.failure == null && s == run.slices.size() - 1 && end == input.length,
                            "slice " + s + " ends at " + end + ", not at an event boundary: " + context);
                    assertFalse(slice.done, context);
                }
                if (next < boundaries.size() && boundaries.get(next).detect <= end) {
                    fail("slice " + s + " runs over the event boundary at " + boundaries.get(next).detect + ": "
                            + context);
                }
                offset = end;
            }

            if (run.failure != null) {
                if (!(run.failure instanceof LineTooLongException)) {
                    throw new AssertionError("scanner threw something else than LineTooLongException: " + context,
                            run.failure);
                }
                threw++;
                // what it held unreturned had no empty line, and the event it belongs to is over the limit
                int returned = out.length;
                int pending = run.delivered - returned;
                assertTrue(pending >= MAX_EVENT, "LineTooLongException with only " + pending + " bytes pending: "
                        + context);
                int detect = input.length + 1; // no boundary left: the end of the body is what would end it
                for (Boundary b : boundaries) {
                    if (b.detect > returned) {
                        detect = b.detect;
                        break;
                    }
                }
                assertTrue(detect - returned > MAX_EVENT, "the event being read needed only " + (detect - returned)
                        + " bytes but the scanner gave up: " + context);
            } else {
                completed++;
                assertArrayEquals(input, out, context);
                // an event that cannot fit in the largest buffer the limit allows must have failed
                int previous = 0;
                for (Boundary b : boundaries) {
                    assertTrue(b.detect - previous <= MAX_EVENT + 1, "an event of " + (b.detect - previous)
                            + " bytes passed a limit of " + MAX_EVENT + ": " + context);
                    previous = b.end;
                }
                assertTrue(input.length + 1 - previous <= MAX_EVENT + 1, "an unterminated tail of "
                        + (input.length - previous) + " bytes passed a limit of " + MAX_EVENT + ": " + context);
            }
        }
        // the generator must exercise both outcomes, or the assertions above prove little
        assertTrue(threw > BINARY_CASES / 20, "only " + threw + " cases hit the limit");
        assertTrue(completed > BINARY_CASES / 5, "only " + completed + " cases completed");
    }

    // ---- the scanner run ----

    private record Slice(byte[] bytes, boolean done) {
    }

    private static final class Run {
        final List<Slice> slices = new ArrayList<>();
        Throwable failure;
        int delivered;
        int maxBuffer;

        byte[] concatenation() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Slice slice : slices) {
                out.writeBytes(slice.bytes);
            }
            return out.toByteArray();
        }
    }

    private static Run scan(byte[] input, long maxEvent, Random random, int maxRead) {
        ChoppyInput in = new ChoppyInput(input, random, maxRead);
        EventScanner scanner = new EventScanner(in, maxEvent);
        Run run = new Run();
        try {
            while (scanner.next()) {
                assertTrue(scanner.length() > 0, "an empty slice");
                byte[] bytes = java.util.Arrays.copyOfRange(scanner.buffer(), scanner.start(),
                        scanner.start() + scanner.length());
                run.slices.add(new Slice(bytes, scanner.isDone()));
                run.maxBuffer = Math.max(run.maxBuffer, scanner.buffer().length);
                if (run.slices.size() > input.length + 1) {
                    fail("the scanner returns slices forever");
                }
            }
            assertFalse(scanner.next(), "next() after the end must stay false");
        } catch (IOException | RuntimeException e) {
            run.failure = e;
        }
        run.maxBuffer = Math.max(run.maxBuffer, scanner.buffer().length);
        run.delivered = in.position;
        return run;
    }

    /** Returns 1..maxRead bytes per read, never 0, so every split of the input gets tried. */
    private static final class ChoppyInput extends InputStream {
        private final byte[] data;
        private final Random random;
        private final int maxRead;
        int position;

        ChoppyInput(byte[] data, Random random, int maxRead) {
            this.data = data;
            this.random = random;
            this.maxRead = maxRead;
        }

        @Override
        public int read() {
            return position < data.length ? data[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (position >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, data.length - position), 1 + random.nextInt(Math.min(maxRead, 1 << 20)));
            System.arraycopy(data, position, b, off, n);
            position += n;
            return n;
        }
    }

    private static int readSize(Random random) {
        int[] sizes = {1, 2, 3, 5, 8, 13, 64, 257, 1024, 4097, 65536};
        return sizes[random.nextInt(sizes.length)];
    }

    // ---- the reference: event boundaries as the SSE spec defines them ----

    /**
     * One empty line: {@code detect} is just past the first byte of its terminator (where a scanner can
     * know the event is complete); {@code end} is just past the whole terminator. They differ for a CRLF,
     * whose LF may not have arrived yet: the scanner then ends the slice at the CR and the LF starts the
     * next one.
     */
    private record Boundary(int detect, int end) {
        boolean matches(int sliceEnd) {
            return sliceEnd == end || sliceEnd == detect;
        }
    }

    /** Independent of the scanner: lines end at CRLF, LF or CR; an empty line ends an event. */
    private static List<Boundary> boundaries(byte[] b) {
        List<Boundary> result = new ArrayList<>();
        int lineStart = 0;
        int i = 0;
        while (i < b.length) {
            if (b[i] == CR || b[i] == LF) {
                int terminatorEnd = b[i] == CR && i + 1 < b.length && b[i + 1] == LF ? i + 2 : i + 1;
                if (i == lineStart) {
                    result.add(new Boundary(i + 1, terminatorEnd));
                }
                i = terminatorEnd;
                lineStart = i;
            } else {
                i++;
            }
        }
        return result;
    }

    private static boolean hasDoneLine(byte[] event) {
        int lineStart = 0;
        for (int i = 0; i <= event.length; i++) {
            if (i == event.length || event[i] == CR || event[i] == LF) {
                String line = new String(event, lineStart, i - lineStart, StandardCharsets.ISO_8859_1);
                if (line.equals("data: [DONE]") || line.equals("data:[DONE]")) {
                    return true;
                }
                lineStart = i + 1;
            }
        }
        return false;
    }

    // ---- generators ----

    /** A valid SSE stream, its number of complete events and which of them is a [DONE] event. */
    private record Generated(byte[] bytes, int events, List<Boolean> done) {
    }

    private static final String[] NEAR_MISSES = {
        "data: [DONE] ", "data:  [DONE]", "data: [DONE]x", "data: [done]", "data: [DONE", "data: DONE",
        " data: [DONE]", "data : [DONE]", "event: [DONE]", ": data: [DONE]",
    };

    private static Generated validStream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Boolean> done = new ArrayList<>();
        // some streams keep one line ending throughout, others mix them line by line
        int style = random.nextInt(4); // 0 LF, 1 CRLF, 2 CR, 3 mixed
        boolean previousEndedInCr = false;
        int events = random.nextInt(12);
        for (int e = 0; e < events; e++) {
            boolean isDone = random.nextInt(8) == 0;
            List<String> lines = isDone ? List.of(random.nextBoolean() ? "data: [DONE]" : "data:[DONE]")
                    : eventLines(random);
            for (String line : lines) {
                out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
                previousEndedInCr = terminate(out, random, style, false, previousEndedInCr);
            }
            previousEndedInCr = terminate(out, random, style, true, previousEndedInCr);
            done.add(isDone);
        }
        if (random.nextInt(4) == 0) {
            // a tail without its empty line: the body ended mid-event
            int tailLines = 1 + random.nextInt(3);
            for (int t = 0; t < tailLines; t++) {
                out.writeBytes(line(random).getBytes(StandardCharsets.UTF_8));
                if (t < tailLines - 1 || random.nextBoolean()) {
                    previousEndedInCr = terminate(out, random, style, false, previousEndedInCr);
                }
            }
        }
        return new Generated(out.toByteArray(), events, done);
    }

    /**
     * Writes a line ending. An empty line right after a CR-terminated line cannot end in a lone LF: the two
     * would read as one CRLF, and the event would not end (that is the spec, not a generator quirk).
     */
    private static boolean terminate(ByteArrayOutputStream out, Random random, int style, boolean emptyLine,
            boolean previousEndedInCr) {
        int kind = style == 3 ? random.nextInt(3) : style;
        if (emptyLine && previousEndedInCr && kind == 0) {
            kind = 1 + random.nextInt(2);
        }
        switch (kind) {
            case 0 -> out.write(LF);
            case 1 -> {
                out.write(CR);
                out.write(LF);
            }
            default -> out.write(CR);
        }
        return kind == 2;
    }

    private static List<String> eventLines(Random random) {
        int n = random.nextInt(6); // 0: an empty event (a lone empty line)
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(line(random));
        }
        return lines;
    }

    /** A non-empty line without line breaks that is not itself a [DONE] line. */
    private static String line(Random random) {
        while (true) {
            String line = anyLine(random);
            if (!line.equals("data: [DONE]") && !line.equals("data:[DONE]")) {
                return line;
            }
        }
    }

    private static String anyLine(Random random) {
        return switch (random.nextInt(10)) {
            case 0, 1, 2 -> "data: " + text(random);
            case 3 -> "data:" + text(random);
            case 4 -> "event: " + text(random);
            case 5 -> "id: " + text(random);
            case 6 -> "retry: " + random.nextInt(100_000);
            case 7 -> random.nextBoolean() ? ": " + text(random) : ":";
            case 8 -> NEAR_MISSES[random.nextInt(NEAR_MISSES.length)];
            default -> random.nextBoolean() ? "data" : text(random).replace(":", "") + "x";
        };
    }

    private static String text(Random random) {
        String[] pieces = {"a", "Z", "0", " ", ":", "{\"k\":\"v\"}", "é", "✓", "🚀", "\t", "[DONE]", "data", "\\n", "𝄞"};
        // now and then a line far larger than the scanner's first buffer, so that it grows and shrinks back
        int length = random.nextInt(60) == 0 ? random.nextInt(40_000)
                : random.nextInt(4) == 0 ? random.nextInt(400) : random.nextInt(20);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(pieces[random.nextInt(pieces.length)]);
        }
        return text.toString();
    }

    /**
     * Arbitrary bytes, in segments of different character: dense or sparse line breaks, long runs without
     * any, NULs and invalid UTF-8, and now and then a real [DONE] event.
     */
    private static byte[] binaryStream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int segments = random.nextInt(7);
        double[] densities = {0.0, 0.0002, 0.001, 0.01, 0.05, 0.2, 0.5};
        for (int s = 0; s < segments; s++) {
            int length = random.nextInt(random.nextInt(4) == 0 ? 12_000 : 3_000);
            double density = densities[random.nextInt(densities.length)];
            for (int i = 0; i < length; i++) {
                if (random.nextDouble() < density) {
                    out.write(random.nextBoolean() ? LF : CR);
                } else {
                    int b = random.nextInt(256);
                    out.write(b == CR || b == LF ? 0 : b);
                }
            }
            if (random.nextInt(5) == 0) {
                out.writeBytes((random.nextBoolean() ? "\n\ndata: [DONE]\n\n" : "\r\rdata:[DONE]\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toByteArray();
    }

    private static String printable(byte[] bytes) {
        if (bytes.length > 300) {
            return bytes.length + " bytes starting " + HexFormat.of().formatHex(bytes, 0, 64) + "…";
        }
        return "\"" + new String(bytes, StandardCharsets.UTF_8).replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }
}
