package relay.demo;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import relay.config.DemoSettings;
import relay.upstream.Header;
import relay.upstream.Upstream;
import relay.upstream.UpstreamRequest;
import relay.upstream.UpstreamResponse;

/**
 * A simulated reasoning model answering OpenAI chat-completions requests from inside relay: silent for
 * {@link DemoSettings#think()}, then {@link DemoSettings#tokens()} words one per
 * {@link DemoSettings#tokenInterval()}. It exists so the shipped config shows heartbeats filling a long
 * silence with no network and no API key. Any method and path is answered the same way.
 *
 * <p>{@code send} returns at once; all waiting happens later, in the thread reading the body, so the
 * demo starts no threads and is cancelled exactly like a real upstream (interrupt or close).
 */
public final class DemoUpstream implements Upstream {

    /** Enough for any chat request worth simulating; a longer body is cut here and fails to parse. */
    static final int MAX_REQUEST_BYTES = 1 << 20;

    static final String DEFAULT_MODEL = "relay-demo";

    // Twelve words, so the default settings (12 tokens) say it exactly once; more tokens cycle it.
    private static final String[] WORDS =
            "Relay kept this stream alive with PING comments while the model thought.".split(" ");

    private final DemoSettings settings;
    private final ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final AtomicLong completions = new AtomicLong();

    public DemoUpstream(DemoSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        if (settings.tokens() < 1) {
            throw new IllegalArgumentException("demo tokens must be at least 1, got " + settings.tokens());
        }
        if (settings.think().isNegative() || settings.tokenInterval().isNegative()) {
            throw new IllegalArgumentException("demo durations must not be negative");
        }
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) throws IOException {
        byte[] raw = request.body() == null ? new byte[0] : request.body().readNBytes(MAX_REQUEST_BYTES);
        long start = System.nanoTime();
        JsonNode root;
        try {
            root = json.readTree(raw);
        } catch (JacksonException e) {
            return error("We could not parse the JSON body of your request: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            return error("We could not parse the JSON body of your request: expected a JSON object.");
        }

        JsonNode model = root.path("model");
        DemoChunks chunks = new DemoChunks(
                "chatcmpl-demo-" + completions.incrementAndGet(),
                System.currentTimeMillis() / 1000,
                model.isTextual() && !model.asText().isEmpty() ? model.asText() : DEFAULT_MODEL);
        int promptTokens = promptTokens(root);
        return root.path("stream").booleanValue()
                ? stream(chunks, promptTokens, start)
                : complete(chunks, promptTokens, start);
    }

    private UpstreamResponse stream(DemoChunks chunks, int promptTokens, long start) {
        int tokens = settings.tokens();
        long first = start + settings.think().toNanos();
        long interval = settings.tokenInterval().toNanos();
        List<DemoStream.Piece> pieces = new ArrayList<>(tokens + 1);
        for (int i = 0; i < tokens; i++) {
            pieces.add(piece(first + i * interval, chunks.content(word(i) + " ", i == 0)));
        }
        // The closing events follow the last word at once, as OpenAI's do.
        long last = first + (tokens - 1) * interval;
        pieces.add(piece(last, chunks.finish() + chunks.usage(promptTokens, tokens) + DemoChunks.done()));
        DemoStream body = new DemoStream(pieces);
        return new UpstreamResponse(200,
                List.of(new Header("Content-Type", "text/event-stream"), new Header("Cache-Control", "no-cache")),
                body, body);
    }

    private UpstreamResponse complete(DemoChunks chunks, int promptTokens, long start) {
        int tokens = settings.tokens();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            text.append(i == 0 ? "" : " ").append(word(i));
        }
        long due = start + settings.think().toNanos() + tokens * settings.tokenInterval().toNanos();
        return json(200, due, chunks.completion(text.toString(), promptTokens, tokens));
    }

    private UpstreamResponse error(String message) {
        return json(400, System.nanoTime(), DemoChunks.error(message, "invalid_json"));
    }

    private static UpstreamResponse json(int status, long due, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        DemoStream stream = new DemoStream(List.of(new DemoStream.Piece(due, bytes)));
        return new UpstreamResponse(status,
                List.of(new Header("Content-Type", "application/json"),
                        new Header("Content-Length", Integer.toString(bytes.length))),
                stream, stream);
    }

    private static DemoStream.Piece piece(long due, String text) {
        return new DemoStream.Piece(due, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String word(int index) {
        return WORDS[index % WORDS.length];
    }

    /** A rough whitespace word count of the messages' text (string or text-part contents), at least 1. */
    private static int promptTokens(JsonNode root) {
        int words = 0;
        for (JsonNode message : root.path("messages")) {
            JsonNode content = message.path("content");
            if (content.isTextual()) {
                words += countWords(content.asText());
            }
            for (JsonNode part : content) {
                if (part.path("text").isTextual()) {
                    words += countWords(part.path("text").asText());
                }
            }
        }
        return Math.max(1, words);
    }

    private static int countWords(String text) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) {
                words++;
            }
            inWord = !space;
        }
        return words;
    }
}
