package relay.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkedBodyTest {
    private static final String DATA_1A = "abcdefghijklmnopqrstuvwxyz"; // 0x1a bytes

    private static InputStream wire(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String decode(String wire) throws IOException {
        try (ChunkedBody body = new ChunkedBody(wire(wire))) {
            return new String(body.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void decodesChunksUpToTheLastChunk() throws IOException {
        assertEquals("hello, world", decode("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"));
    }

    @Test
    void ignoresChunkExtensions() throws IOException {
        assertEquals(DATA_1A, decode("1a;foo=bar\r\n" + DATA_1A + "\r\n0;last=\"yes\"\r\n\r\n"));
    }

    /** RFC 9112 §7.1.1 puts BWS before ";": relay accepts it, and whitespace ending the size line. */
    @Test
    void acceptsWhitespaceAfterTheSize() throws IOException {
        assertEquals(DATA_1A, decode("1a ;ext\r\n" + DATA_1A + "\r\n0\t \r\n\r\n"));
    }

    @Test
    void consumesTrailersAndLeavesTheFollowingBytesUnread() throws IOException {
        InputStream in = wire("3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\nNEXT");
        ChunkedBody body = new ChunkedBody(in);
        assertArrayEquals("abc".getBytes(StandardCharsets.ISO_8859_1), body.readAllBytes());
        assertEquals(-1, body.read());
        assertEquals("NEXT", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void acceptsBareLfFraming() throws IOException {
        assertEquals("abc", decode("3\nabc\n0\n\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "1 a\r\n" + DATA_1A + "\r\n0\r\n\r\n",     // a space inside the size: 1 or 0x1a?
        "1\ta\r\n" + DATA_1A + "\r\n0\r\n\r\n",
        " 1a\r\n" + DATA_1A + "\r\n0\r\n\r\n",     // leading whitespace
        "\r\n",                                     // no digits
        ";ext\r\n",
        "0x1a\r\n",
        "g\r\n",
        "1a\r\r\n" + DATA_1A + "\r\n0\r\n\r\n",    // bare CR
        "1\ra\r\n" + DATA_1A + "\r\n0\r\n\r\n",
        "-1\r\n",
        "1000000000000000\r\n",                    // 16 hex digits: beyond a long's range of sizes
        "3\r\nabcX\r\n0\r\n\r\n",                  // data longer than its size
    })
    void rejectsMalformedSizeLines(String wire) {
        assertThrows(IOException.class, () -> decode(wire));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "5\r\nhel",                       // inside chunk data
        "5\r\nhello",                     // before the CRLF after the data
        "5\r\nhello\r\n",                 // before the next size line
        "5\r\nhello\r\n1",                // inside a size line
        "5\r\nhello\r\n0\r\n",            // before the empty line that ends the trailers
        "5\r\nhello\r\n0\r\nX-A: 1\r\n",  // inside the trailers
    })
    void aTruncatedBodyIsATruncatedBodyException(String wire) {
        assertThrows(TruncatedBodyException.class, () -> decode(wire));
    }
}
