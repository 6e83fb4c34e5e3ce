package relay.stream;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Realistic SSE bodies for the benchmarks: OpenAI {@code chat.completion.chunk} events (one
 * {@code data:} line) and Anthropic {@code messages} events ({@code event:} + {@code data:} lines),
 * padded in their text field to a target size, delivered the way an upstream socket delivers them.
 */
final class SseSamples {
    private SseSamples() {
    }

    static byte[] event(String format, int size) {
        String[][] templates = switch (format) {
            case "openai" -> new String[][] {
                {"data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\","
                        + "\"created\":1741569952,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_eb9dce56a8\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"", "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"},
                {"data: {\"choices\":[{\"delta\":{\"content\":\"", "\"}}]}\n\n"}};
            case "anthropic" -> new String[][] {
                {"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"", "\"}}\n\n"},
                {"event: delta\ndata: {\"text\":\"", "\"}\n\n"}};
            default -> throw new IllegalArgumentException(format);
        };
        for (String[] t : templates) {
            int pad = size - t[0].length() - t[1].length();
            if (pad >= 1 || t == templates[templates.length - 1]) {
                StringBuilder text = new StringBuilder();
                String words = "The quick brown fox jumps over the lazy dog. ";
                while (text.length() < Math.max(1, pad)) {
                    text.append(words);
                }
                text.setLength(Math.max(1, pad));
                return (t[0] + text + t[1]).getBytes(StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError();
    }

    /** {@code count} events, each a separate upstream write. */
    static byte[] body(String format, int size, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] event = event(format, size);
        for (int i = 0; i < count; i++) {
            out.writeBytes(event);
        }
        return out.toByteArray();
    }

    /**
     * Repeats {@code body} for ever. Each read returns at most {@code readSize} bytes and never crosses
     * the end of an upstream write ({@code writeSize} bytes, one event): what reading a socket whose peer
     * flushes once per event looks like (relay's chunked decoder also stops at each chunk's end).
     */
    static final class Replay extends InputStream {
        private final byte[] body;
        private final int writeSize;
        private final int readSize;
        private int position;

        Replay(byte[] body, int writeSize, int readSize) {
            this.body = body;
            this.writeSize = writeSize;
            this.readSize = readSize;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            read(one, 0, 1);
            return one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int toWriteEnd = writeSize - position % writeSize;
            int n = Math.min(Math.min(len, readSize), Math.min(toWriteEnd, body.length - position));
            System.arraycopy(body, position, b, off, n);
            position += n;
            if (position == body.length) {
                position = 0;
            }
            return n;
        }
    }
}
