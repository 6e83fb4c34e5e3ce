package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Answers relay's own endpoints ({@code /healthz}, {@code /readyz}); every other path goes to the proxy. */
final class OpsHandler implements HttpHandler {
    private final HttpHandler proxy;

    OpsHandler(HttpHandler proxy) {
        this.proxy = proxy;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (exchange.getRequestMethod().equals("GET") && (path.equals("/healthz") || path.equals("/readyz"))) {
            try (exchange) {
                byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            return;
        }
        proxy.handle(exchange);
    }
}
