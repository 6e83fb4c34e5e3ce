package relay.upstream;

import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes a chunked body. A connection that ends before the terminating zero-size chunk is reported
 * as {@link TruncatedBodyException}: that is how relay tells a cut stream from a finished one.
 */
final class ChunkedBody extends InputStream {
    private static final int MAX_SIZE_LINE = 4096;

    private final InputStream in;
    private long remainingInChunk;
    private boolean finished;

    ChunkedBody(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
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
    public int available() throws IOException {
        return (int) Math.min(remainingInChunk, in.available());
    }

    private long nextChunkSize() throws IOException {
        String line = readLine();
        int semicolon = line.indexOf(';');
        String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
        try {
            long size = Long.parseLong(hex, 16);
            if (size < 0) {
                throw new IOException("invalid chunk size from upstream");
            }
            return size;
        } catch (NumberFormatException e) {
            throw new IOException("invalid chunk size from upstream");
        }
    }

    private void expectCrlf() throws IOException {
        if (!readLine().isEmpty()) {
            throw new IOException("missing CRLF after chunk from upstream");
        }
    }

    private void skipTrailers() throws IOException {
        while (!readLine().isEmpty()) {
            // trailers carry nothing relay forwards
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(8);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_SIZE_LINE) {
                throw new IOException("chunk header line from upstream too long");
            }
            line.append((char) b);
        }
        throw new TruncatedBodyException("upstream body ended inside chunked framing");
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
