package relay.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import relay.ops.Metrics;

/** Answers relay's own endpoints ({@code /healthz}, {@code /readyz}, {@code /metrics}); every other path goes to the proxy. */
final class OpsHandler implements HttpHandler {
    private final HttpHandler proxy;
    private final BooleanSupplier ready;

    private final Metrics metrics;

    OpsHandler(HttpHandler proxy, BooleanSupplier ready, Metrics metrics) {
        this.proxy = proxy;
        this.ready = ready;
        this.metrics = metrics;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (exchange.getRequestMethod().equals("GET") && (path.equals("/healthz") || path.equals("/readyz"))) {
            try (exchange) {
                // /readyz turns 503 while draining so a load balancer stops sending new work first
                boolean up = path.equals("/healthz") || ready.getAsBoolean();
                byte[] body = (up ? "ok\n" : "draining\n").getBytes(StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(up ? 200 : 503, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            return;
        }
        if (exchange.getRequestMethod().equals("GET") && path.equals("/metrics")) {
            try (exchange) {
                exchange.getResponseHeaders().set("Content-Type", metrics.contentType());
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    metrics.write(out);
                }
            }
            return;
        }
        proxy.handle(exchange);
    }
}
