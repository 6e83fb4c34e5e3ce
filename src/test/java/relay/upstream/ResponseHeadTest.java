package relay.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResponseHeadTest {

    private static ResponseHead read(String head) throws IOException {
        return new HeadReader(new ByteArrayInputStream(head.getBytes(StandardCharsets.ISO_8859_1))).next();
    }

    @Test
    void readsStatusAndHeadersKeepingNamesAndTrimmingValues() throws IOException {
        ResponseHead head = read("HTTP/1.1 201 Created\r\nX-Id:  abc \t\r\nContent-Type: text/event-stream\r\n\r\n");
        assertEquals(201, head.status());
        assertEquals(List.of(new Header("X-Id", "abc"), new Header("Content-Type", "text/event-stream")), head.headers());
    }

    @Test
    void acceptsBareLfLineEndings() throws IOException {
        ResponseHead head = read("HTTP/1.1 200 OK\nA: 1\n\n");
        assertEquals(200, head.status());
        assertEquals(List.of(new Header("A", "1")), head.headers());
    }

    @Test
    void acceptsStatusLineWithoutReasonAndObsTextInValues() throws IOException {
        ResponseHead head = read("HTTP/1.0 404 \r\nX-Name: caf\u00e9\r\n\r\n");
        assertEquals(404, head.status());
        assertEquals("caf\u00e9", head.value("x-name"));
    }

    @Test
    void skipsInterimHeads() throws IOException {
        ResponseHead head = read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
                + "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
        assertEquals(204, head.status());
        assertEquals(List.of(new Header("X-A", "1")), head.headers());
    }

    @Test
    void anEndAfterAnInterimHeadIsAnIOException() {
        assertThrows(IOException.class, () -> read("HTTP/1.1 100 Continue\r\n\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "HTTP/1.1 200 OK\r\nX-A: one\rtwo\r\n\r\n",           // bare CR inside a value
        "HTTP/1.1 200 OK\r\nX-A: one\r\r\n\r\n",              // bare CR at the end of a value
        "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n",           // NUL
        "HTTP/1.1 200 OK\r\nX-A: a\u007fb\r\n\r\n",           // DEL
        "HTTP/1.1 200 OK\r\nX-A: a\u001bb\r\n\r\n",           // ESC
        "HTTP/1.1 200 OK\r\nX A: b\r\n\r\n",                  // space inside a name
        "HTTP/1.1 200 OK\r\nX\rA: b\r\n\r\n",                 // CR inside a name
        "HTTP/1.1 200 OK\r\nX(A): b\r\n\r\n",                 // separator inside a name
        "HTTP/1.1 200 OK\r\nX-\u00e9: b\r\n\r\n",             // non-ASCII name
        "HTTP/1.1 200 OK\r\n: b\r\n\r\n",                     // empty name
        "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\n\r\n",        // obsolete line folding (SP)
        "HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\n\r\n",       // obsolete line folding (HTAB)
        "HTTP/1.1 200 OK\r\n X-A: one\r\n\r\n",               // first field line starts with SP
        "HTTP/1.1 200 OK\rX-A: b\r\n\r\n",                    // bare CR in the status line
        "HTTP/1.1 200 O\u0000K\r\n\r\n",                      // control char in the reason
        "HTTP/1.1 20x OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "HTTP/2 200 OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
    })
    void rejectsMalformedHeadsAsIOException(String head) {
        assertThrows(IOException.class, () -> read(head));
    }

    @Test
    void anEndInsideTheHeadIsAnIOException() {
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nA: 1\r\n"));
        assertThrows(IOException.class, () -> read(""));
    }
}
