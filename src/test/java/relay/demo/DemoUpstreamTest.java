package relay.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import relay.config.DemoSettings;
import relay.upstream.UpstreamRequest;
import relay.upstream.UpstreamResponse;

class DemoUpstreamTest {

    private static final DemoSettings SHORT = new DemoSettings(Duration.ofMillis(200), 5, Duration.ofMillis(20));
    /** Thinks far longer than any test waits, so a reader is certainly still blocked when poked. */
    private static final DemoSettings SLOW = new DemoSettings(Duration.ofSeconds(60), 5, Duration.ofMillis(20));

    private static final String STREAM_REQUEST = """
            {"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"hello there  world"}]}""";

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void streamYieldsOpenAiChunksThenUsageThenDone() throws IOException {
        try (UpstreamResponse response = new DemoUpstream(SHORT).send(request(STREAM_REQUEST))) {
            assertEquals(200, response.status());
            assertEquals("text/event-stream", response.header("content-type").orElseThrow());
            assertEquals("no-cache", response.header("Cache-Control").orElseThrow());
            assertTrue(response.header("Content-Length").isEmpty());

            String text = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(text.endsWith("data: [DONE]\n\n"), text);
            List<String> events = Arrays.asList(text.split("\n\n"));
            assertEquals(5 + 3, events.size(), text);
            for (String event : events) {
                assertTrue(event.startsWith("data: ") && !event.contains("\n"), event);
            }
            assertTrue(events.getFirst().matches("data: \\{\"id\":\"chatcmpl-demo-1\",\"object\":\"chat\\.completion\\.chunk\","
                    + "\"created\":\\d+,\"model\":\"gpt-test\",\"choices\":\\[\\{\"index\":0,\"delta\":\\{\"role\":\"assistant\","
                    + "\"content\":\"Relay \"},\"finish_reason\":null}]}"), events.getFirst());

            List<JsonNode> chunks = new ArrayList<>();
            for (String event : events.subList(0, 7)) {
                chunks.add(json.readTree(event.substring("data: ".length())));
            }
            StringBuilder content = new StringBuilder();
            for (int i = 0; i < 7; i++) {
                JsonNode chunk = chunks.get(i);
                assertEquals("chatcmpl-demo-1", chunk.get("id").asText());
                assertEquals("chat.completion.chunk", chunk.get("object").asText());
                assertEquals("gpt-test", chunk.get("model").asText());
                assertEquals(chunks.getFirst().get("created").asLong(), chunk.get("created").asLong());
                assertTrue(chunk.get("created").isIntegralNumber());
            }
            for (int i = 0; i < 5; i++) {
                JsonNode choice = onlyChoice(chunks.get(i));
                assertEquals(0, choice.get("index").asInt());
                assertTrue(choice.get("finish_reason").isNull());
                assertEquals(i == 0, choice.get("delta").has("role"));
                assertTrue(chunks.get(i).path("usage").isMissingNode());
                content.append(choice.get("delta").get("content").asText());
            }
            assertEquals("Relay kept this stream alive ", content.toString());

            JsonNode stop = onlyChoice(chunks.get(5));
            assertEquals(0, stop.get("delta").size());
            assertEquals("stop", stop.get("finish_reason").asText());

            JsonNode usage = chunks.get(6);
            assertEquals(0, usage.get("choices").size());
            assertEquals(3, usage.get("usage").get("prompt_tokens").asInt());
            assertEquals(5, usage.get("usage").get("completion_tokens").asInt());
            assertEquals(8, usage.get("usage").get("total_tokens").asInt());

            assertEquals(-1, response.body().read());
        }
    }

    @Test
    void firstByteWaitsForThinkAndEachEventComesAlone() throws IOException {
        // Long interval: the second word is far off, so the first read must return the first event alone
        // rather than wait to fill the buffer.
        DemoSettings settings = new DemoSettings(Duration.ofMillis(200), 3, Duration.ofSeconds(60));
        long begin = System.nanoTime();
        try (UpstreamResponse response = new DemoUpstream(settings).send(request(STREAM_REQUEST))) {
            byte[] buffer = new byte[64 * 1024];
            int n = response.body().read(buffer);
            long elapsedMillis = (System.nanoTime() - begin) / 1_000_000;
            assertTrue(elapsedMillis >= 150, "first byte after " + elapsedMillis + " ms");

            String first = new String(buffer, 0, n, StandardCharsets.UTF_8);
            assertTrue(first.startsWith("data: {") && first.endsWith("\n\n"), first);
            assertEquals(1, first.split("data: ", -1).length - 1, first);
            assertEquals(0, response.body().available());
        }
    }

    @Test
    void smallReadsReassembleTheSameStream() throws IOException {
        try (UpstreamResponse response = new DemoUpstream(SHORT).send(request(STREAM_REQUEST))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[7];
            for (int n; (n = response.body().read(buffer, 0, buffer.length)) != -1; ) {
                assertTrue(n > 0);
                out.write(buffer, 0, n);
            }
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(8, text.split("\n\n").length);
            assertTrue(text.endsWith("data: [DONE]\n\n"));
        }
    }

    @Test
    void nonStreamRequestGetsOneCompletionWithUsage() throws IOException {
        String body = """
                {"messages":[{"role":"system","content":"be brief"},
                             {"role":"user","content":[{"type":"text","text":"hi you"}]}]}""";
        long begin = System.nanoTime();
        try (UpstreamResponse response = new DemoUpstream(SHORT).send(request(body))) {
            assertEquals(200, response.status());
            assertEquals("application/json", response.header("Content-Type").orElseThrow());
            byte[] bytes = response.body().readAllBytes();
            long elapsedMillis = (System.nanoTime() - begin) / 1_000_000;
            assertTrue(elapsedMillis >= 250, "answered after " + elapsedMillis + " ms"); // 200 + 5 × 20 ms
            assertEquals(Integer.toString(bytes.length), response.header("Content-Length").orElseThrow());

            JsonNode completion = json.readTree(bytes);
            assertEquals("chatcmpl-demo-1", completion.get("id").asText());
            assertEquals("chat.completion", completion.get("object").asText());
            assertEquals(DemoUpstream.DEFAULT_MODEL, completion.get("model").asText());
            JsonNode choice = onlyChoice(completion);
            assertEquals("assistant", choice.get("message").get("role").asText());
            assertEquals("Relay kept this stream alive", choice.get("message").get("content").asText());
            assertEquals("stop", choice.get("finish_reason").asText());
            assertEquals(4, completion.get("usage").get("prompt_tokens").asInt());
            assertEquals(5, completion.get("usage").get("completion_tokens").asInt());
            assertEquals(9, completion.get("usage").get("total_tokens").asInt());
        }
    }

    @Test
    void invalidJsonIsRejectedAtOnceInOpenAiErrorShape() throws IOException {
        DemoUpstream demo = new DemoUpstream(SLOW);
        for (String body : List.of("{\"stream\": tru", "", "[1, 2]", "{} {}")) {
            try (UpstreamResponse response = demo.send(request(body))) {
                assertEquals(400, response.status(), body);
                assertEquals("application/json", response.header("Content-Type").orElseThrow());
                byte[] bytes = response.body().readAllBytes();
                assertEquals(Integer.toString(bytes.length), response.header("Content-Length").orElseThrow());
                JsonNode error = json.readTree(bytes).get("error");
                assertEquals("invalid_request_error", error.get("type").asText());
                assertEquals("invalid_json", error.get("code").asText());
                assertFalse(error.get("message").asText().isBlank());
            }
        }
    }

    @Test
    void readsAtMostOneMebibyteOfRequestBody() throws IOException {
        byte[] big = new byte[DemoUpstream.MAX_REQUEST_BYTES + 1000];
        Arrays.fill(big, (byte) ' ');
        InputStream body = new ByteArrayInputStream(big);
        try (UpstreamResponse response = new DemoUpstream(SHORT).send(new UpstreamRequest("POST",
                "/v1/chat/completions", List.of(), body, big.length))) {
            assertEquals(400, response.status());
            assertEquals(1000, body.available());
        }
    }

    @Test
    void modelNameIsEscaped() throws IOException {
        String weird = "a\"b\\c\nd</script>é";
        String body = json.createObjectNode().put("model", weird).put("stream", true).toString();
        try (UpstreamResponse response = new DemoUpstream(SHORT).send(request(body))) {
            String text = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            String first = text.substring("data: ".length(), text.indexOf("\n\n"));
            assertEquals(weird, json.readTree(first).get("model").asText());
        }
    }

    @Test
    void interruptEndsAReadBlockedInThink() throws Exception {
        UpstreamResponse response = new DemoUpstream(SLOW).send(request(STREAM_REQUEST));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        CountDownLatch reading = new CountDownLatch(1);
        Thread reader = Thread.ofVirtual().start(() -> {
            reading.countDown();
            try {
                response.body().read(new byte[100]);
            } catch (Throwable t) {
                failure.set(t);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        reading.await();
        reader.interrupt();
        reader.join(Duration.ofSeconds(2));
        assertFalse(reader.isAlive(), "reader still blocked after interrupt");
        assertInstanceOf(InterruptedIOException.class, failure.get());
        assertTrue(stillInterrupted.get(), "interrupt flag must be restored");
        response.close();
    }

    @Test
    void closeUnblocksAReadBlockedInThinkAndLaterReadsFail() throws Exception {
        UpstreamResponse response = new DemoUpstream(SLOW).send(request(STREAM_REQUEST));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch reading = new CountDownLatch(1);
        Thread reader = Thread.ofPlatform().start(() -> {
            reading.countDown();
            try {
                response.body().read(new byte[100]);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reading.await();
        response.close();
        reader.join(2000);
        assertFalse(reader.isAlive(), "reader still blocked after close");
        assertInstanceOf(IOException.class, failure.get());
        assertEquals("closed", failure.get().getMessage());

        IOException later = assertThrows(IOException.class, () -> response.body().read());
        assertEquals("closed", later.getMessage());
        response.close(); // idempotent
    }

    @Test
    void rejectsSettingsThatCannotProduceAnAnswer() {
        assertThrows(IllegalArgumentException.class,
                () -> new DemoUpstream(new DemoSettings(Duration.ofMillis(1), 0, Duration.ofMillis(1))));
        assertThrows(IllegalArgumentException.class,
                () -> new DemoUpstream(new DemoSettings(Duration.ofMillis(-1), 1, Duration.ofMillis(1))));
    }

    private static JsonNode onlyChoice(JsonNode chunk) {
        assertEquals(1, chunk.get("choices").size(), chunk::toString);
        return chunk.get("choices").get(0);
    }

    private static UpstreamRequest request(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new UpstreamRequest("POST", "/v1/chat/completions", List.of(), new ByteArrayInputStream(bytes),
                bytes.length);
    }
}
