package relay.upstream;

import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes a chunked body. A connection that ends before the terminating zero-size chunk is reported
 * as {@link TruncatedBodyException}: that is how relay tells a cut stream from a finished one.
 */
final class ChunkedBody extends BlockInputStream implements CompleteBody {
    private static final int MAX_SIZE_LINE = 4096;

    private final InputStream in;
    private long remainingInChunk;
    private boolean finished;

    ChunkedBody(InputStream in) {
        this.in = in;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (finished) {
            return -1;
        }
        if (remainingInChunk == 0) {
            remainingInChunk = nextChunkSize();
            if (remainingInChunk == 0) {
                skipTrailers();
                finished = true;
                return -1;
            }
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remainingInChunk));
        if (n == -1) {
            throw new TruncatedBodyException("upstream body ended inside a chunk");
        }
        remainingInChunk -= n;
        if (remainingInChunk == 0) {
            expectCrlf();
        }
        return n;
    }

    @Override
    public boolean complete() {
        return finished;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(remainingInChunk, in.available());
    }

    /**
     * Parses "1a3f[;extensions]\r\n" straight from the bytes: no string per chunk. The size is hex digits
     * with nothing inside it: "1 a" is rejected, because one parser reading 1 and another 0x1a is how
     * bodies get smuggled. After the digits, SP/HTAB are allowed (RFC 9112 §7.1.1 has BWS before ";",
     * and lenient trailing whitespace is harmless once the digits have ended); extensions are skipped
     * unparsed. A CR is allowed only right before the LF; a bare LF ends the line too.
     */
    private long nextChunkSize() throws IOException {
        long size = 0;
        int digits = 0;
        int length = 0;
        boolean sizeEnded = false;
        boolean extension = false;
        int b;
        while ((b = next()) != '\n') {
            if (++length > MAX_SIZE_LINE) {
                throw new IOException("chunk header line from upstream too long");
            }
            if (b == '\r') {
                if (next() != '\n') {
                    throw new IOException("bare CR in chunk header line from upstream");
                }
                break;
            }
            if (extension) {
                continue;
            }
            if (b == ';') {
                extension = true;
            } else if (b == ' ' || b == '\t') {
                sizeEnded = true;
            } else {
                int digit = Character.digit(b, 16);
                if (digit < 0 || sizeEnded || ++digits > 15) {
                    throw new IOException("invalid chunk size from upstream");
                }
                size = size * 16 + digit;
            }
            if (digits == 0) {
                throw new IOException("invalid chunk size from upstream"); // whitespace or ";" before the size
            }
        }
        if (digits == 0) {
            throw new IOException("invalid chunk size from upstream");
        }
        return size;
    }

    private void expectCrlf() throws IOException {
        int b = next();
        if (b == '\r') {
            b = next();
        }
        if (b != '\n') {
            throw new IOException("missing CRLF after chunk from upstream");
        }
    }

    private void skipTrailers() throws IOException {
        while (true) {
            int length = 0;
            int b;
            while ((b = next()) != '\n') {
                if (b != '\r' && ++length > MAX_SIZE_LINE) {
                    throw new IOException("trailer line from upstream too long");
                }
            }
            if (length == 0) {
                return; // the empty line that ends the body
            }
        }
    }

    private int next() throws IOException {
        int b = in.read();
        if (b == -1) {
            throw new TruncatedBodyException("upstream body ended inside chunked framing");
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
