package relay.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The token counts the access log shows, from each API's own usage report. */
class UsageMeterTest {
    private static void feed(UsageMeter meter, String event, boolean terminal) {
        byte[] bytes = ("xx" + event).getBytes(StandardCharsets.UTF_8); // an offset, as in the scanner's buffer
        meter.observe(bytes, 2, bytes.length - 2, terminal);
    }

    @Test
    void anthropicInputOutputAndCacheTokens() {
        UsageMeter meter = new UsageMeter();
        feed(meter, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":"
                + "{\"input_tokens\":10,\"cache_creation_input_tokens\":300,\"cache_read_input_tokens\":2000,"
                + "\"output_tokens\":1}}}\n\n", false);
        feed(meter, "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":42}}\n\n",
                false);
        assertEquals(new TokenUsage(10, 42, 2000, 300), meter.usage());
    }

    @Test
    void openAiChatCachedTokens() {
        UsageMeter meter = new UsageMeter();
        feed(meter, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\n", false);
        assertEquals(new TokenUsage(9, 3, 4, -1), meter.usage());
    }

    @Test
    void geminiTheLastUsageMetadataCountsWithThoughtsAsOutput() {
        UsageMeter meter = new UsageMeter();
        feed(meter, "data: {\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":1}}\n\n",
                false);
        feed(meter, "data: {\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":6,"
                + "\"thoughtsTokenCount\":10,\"cachedContentTokenCount\":2}}\n\n", false);
        assertEquals(new TokenUsage(4, 16, 2, -1), meter.usage());
    }

    /** response.completed carries the whole response: usage may sit further from its end than the tail searched. */
    @Test
    void responsesCompletedIsSearchedWholeWhenTerminal() {
        String metadata = "\"metadata\":{\"note\":\"" + "x".repeat(2 * UsageMeter.TAIL) + "\"}";
        String event = "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":"
                + "{\"input_tokens\":5,\"input_tokens_details\":{\"cached_tokens\":1},\"output_tokens\":7}," + metadata
                + "}}\n\n";
        UsageMeter tailOnly = new UsageMeter();
        feed(tailOnly, event, false);
        assertNull(tailOnly.usage(), "the tail alone misses it: the test would prove nothing otherwise");
        UsageMeter whole = new UsageMeter();
        feed(whole, event, true);
        assertEquals(new TokenUsage(5, 7, 1, -1), whole.usage());
    }
}
