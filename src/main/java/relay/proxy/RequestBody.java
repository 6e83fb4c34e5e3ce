package relay.proxy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import relay.upstream.BlockInputStream;
import relay.upstream.RequestBodyException;

/**
 * The client's request body on its way upstream. Before anything is sent, up to {@link #PREFIX_LIMIT}
 * bytes are read to find a top-level {@code "stream": true}: the answer decides a request header
 * ({@code Accept-Encoding: identity}), so it is needed before the head goes out. When the route
 * depends on the request's {@code model}, reading goes on until the model is found, up to
 * {@link #MODEL_LOOKAHEAD} (OpenAI's Python SDK writes {@code messages} before {@code model}). The
 * rest streams through, still watched, and a body of unannounced length is cut at
 * {@code server.max_body}.
 */
final class RequestBody {
    static final int PREFIX_LIMIT = 64 * 1024;
    /** How much of a body is held, at most, to find its model: the bytes wait in memory until the route is chosen. */
    static final int MODEL_LOOKAHEAD = 1024 * 1024;

    private final StreamFlagSniffer sniffer = new StreamFlagSniffer();
    private final InputStream stream;
    private final Watched watched;

    private RequestBody(InputStream client, long contentLength, long maxBody, boolean needModel)
            throws RequestBodyException {
        Watched watched = new Watched(client, maxBody);
        this.watched = watched;
        if (contentLength == 0) {
            sniffer.end();
            this.stream = InputStream.nullInputStream();
            return;
        }
        ByteArrayOutputStream prefix = new ByteArrayOutputStream((int) Math.min(PREFIX_LIMIT, contentLength > 0 ? contentLength : 4096));
        byte[] buffer = new byte[4096];
        try {
            while (!sniffer.settled() && (wantsStreamFlag(prefix.size()) || needModel && wantsModel(prefix.size()))) {
                int n = watched.read(buffer, 0, buffer.length);
                if (n == -1) {
                    break;
                }
                prefix.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new RequestBodyException(e);
        }
        this.stream = new SequenceInputStream(new ByteArrayInputStream(prefix.toByteArray()), watched);
    }

    private boolean wantsStreamFlag(int read) {
        return sniffer.verdict() == StreamFlagSniffer.Verdict.UNDECIDED && read < PREFIX_LIMIT;
    }

    private boolean wantsModel(int read) {
        return !sniffer.modelSeen() && read < MODEL_LOOKAHEAD;
    }

    static RequestBody open(InputStream client, long contentLength, long maxBody) throws RequestBodyException {
        return new RequestBody(client, contentLength, maxBody, false);
    }

    /** {@code needModel}: read on until the top-level model is found (see {@link #MODEL_LOOKAHEAD}). */
    static RequestBody open(InputStream client, long contentLength, long maxBody, boolean needModel)
            throws RequestBodyException {
        return new RequestBody(client, contentLength, maxBody, needModel);
    }

    /** The top-level model as far as the body has been read; null when none was found (yet). */
    String model() {
        return sniffer.model();
    }

    InputStream stream() {
        return stream;
    }

    /** Bytes read from the client so far. */
    long bytesRead() {
        return watched.total;
    }

    /** Known for certain once the body has been sent; usually already after the prefix. */
    boolean asksForStream() {
        return sniffer.verdict() == StreamFlagSniffer.Verdict.STREAM;
    }

    /** Feeds the sniffer and counts bytes as the client's body is read. */
    private final class Watched extends BlockInputStream {
        private final InputStream client;
        private final long maxBody;
        private long total;

        Watched(InputStream client, long maxBody) {
            this.client = client;
            this.maxBody = maxBody;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = client.read(b, off, len);
            if (n == -1) {
                sniffer.end();
                return -1;
            }
            total += n;
            if (total > maxBody) {
                throw new BodyTooLargeException(maxBody);
            }
            sniffer.feed(b, off, n);
            return n;
        }
    }
}
