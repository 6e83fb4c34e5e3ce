package relay.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import relay.upstream.UpstreamResponse;

/**
 * The {@code Content-Encoding} of an upstream event stream. relay must see event boundaries and must
 * write pings between events, neither of which it can do inside compressed bytes: a compressed event
 * stream is decoded (the JDK has gzip and deflate) and relayed uncompressed. An encoding relay cannot
 * decode is relayed untouched and without pings.
 */
enum StreamDecoding {
    IDENTITY, GZIP, DEFLATE, UNSUPPORTED;

    /** What relay asks upstreams for: only codings it can decode, so every event stream can be pinged. */
    static final List<String> DECODABLE = List.of("gzip", "x-gzip", "deflate", "identity");
    private static final int INFLATE_BUFFER = 2048;

    static StreamDecoding of(UpstreamResponse response) {
        List<String> codings = response.header("Content-Encoding").stream()
                .flatMap(value -> java.util.Arrays.stream(value.split(",")))
                .map(coding -> coding.trim().toLowerCase(Locale.ROOT))
                .filter(coding -> !coding.isEmpty() && !coding.equals("identity"))
                .toList();
        if (codings.isEmpty()) {
            return IDENTITY;
        }
        if (codings.size() > 1) {
            return UNSUPPORTED;
        }
        return switch (codings.getFirst()) {
            case "gzip", "x-gzip" -> GZIP;
            case "deflate" -> DEFLATE;
            default -> UNSUPPORTED;
        };
    }

    InputStream decode(InputStream body) throws IOException {
        return switch (this) {
            case GZIP -> new GZIPInputStream(body, INFLATE_BUFFER);
            case DEFLATE -> new InflaterInputStream(body, new java.util.zip.Inflater(), INFLATE_BUFFER);
            case IDENTITY, UNSUPPORTED -> body;
        };
    }
}
