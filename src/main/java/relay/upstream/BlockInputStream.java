package relay.upstream;

import java.io.IOException;
import java.io.InputStream;

/** An input stream whose real work is block reads; a single-byte read is a block read of one. */
public abstract class BlockInputStream extends InputStream {

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] buffer, int offset, int length) throws IOException;
}
