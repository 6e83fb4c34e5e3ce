package relay.upstream;

import java.io.InputStream;
import java.util.List;

/**
 * A request on its way upstream. {@code target} is the origin-form path and query; {@code headers} are
 * end-to-end only (relay has removed hop-by-hop ones). {@code contentLength} is the body's exact length,
 * 0 for no body, or -1 when unknown (sent chunked).
 */
public record UpstreamRequest(String method, String target, List<Header> headers, InputStream body, long contentLength) {

    public UpstreamRequest {
        headers = List.copyOf(headers);
    }
}
