package relay.upstream;

import java.io.IOException;
import java.io.InputStream;

/** A body of known {@code Content-Length}; fewer bytes than announced is a truncated body. */
final class FixedLengthBody extends BlockInputStream implements CompleteBody {
    private final InputStream in;
    private long remaining;

    FixedLengthBody(InputStream in, long length) {
        this.in = in;
        this.remaining = length;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (remaining == 0) {
            return -1;
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n == -1) {
            throw new TruncatedBodyException("upstream body ended " + remaining + " bytes short of its Content-Length");
        }
        remaining -= n;
        return n;
    }

    @Override
    public boolean complete() {
        return remaining == 0;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(remaining, in.available());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
