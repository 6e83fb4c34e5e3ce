package relay.e2e;

/** OpenAI Responses API events as the API writes them, for the tests of relay's Responses handling. */
final class ResponsesStreams {
    /** Created and one delta: a stream that has not finished (its delta's text names a terminal event). */
    static final String STARTED = """
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","created_at":1,"status":"in_progress","model":"m","output":[]}}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"say response.completed"}

            """;

    static final String COMPLETED = """
            event: response.completed
            data: {"type":"response.completed","sequence_number":2,"response":{"id":"resp_1","object":"response","created_at":1,"status":"completed","model":"m","output":[],"usage":{"input_tokens":5,"input_tokens_details":{"cached_tokens":2},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":12},"metadata":{}}}

            """;

    static final String REQUEST = "{\"model\":\"m\",\"input\":\"hi\",\"stream\":true}";

    private ResponsesStreams() {
    }
}
