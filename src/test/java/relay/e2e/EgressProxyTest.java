package relay.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import java.util.Map;
import java.util.Optional;
import relay.config.Config;
import relay.config.ErrorFormat;
import relay.config.Route;
import relay.config.RouteTarget;
import relay.config.UpstreamTrust;
import relay.config.EgressProxy;
import relay.config.PingSettings;
import relay.config.StreamSettings;
import relay.config.UpstreamSettings;
import relay.testing.HttpLines;
import relay.testing.RunningRelay;
import relay.testing.TestClient;
import relay.testing.TestConfigs;
import relay.testing.TestUpstream;

/** {@code upstream.proxy}: requests reach the upstream through an HTTP CONNECT tunnel, except for {@code no_proxy} hosts. */
class EgressProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true}";
    private static final PingSettings PING = new PingSettings(true, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofMillis(500), "PING");

    /** A CONNECT-only proxy: records each request head, answers {@code status}, then pipes both ways on 200. */
    private static final class ConnectProxy implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<String> heads = new CopyOnWriteArrayList<>();
        private final int status;

        ConnectProxy(int status) throws IOException {
            this.status = status;
            Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Thread.ofVirtual().start(() -> serve(client));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket client) {
            try (client) {
                InputStream in = new BufferedInputStream(client.getInputStream());
                StringBuilder head = new StringBuilder();
                String line;
                while (!(line = HttpLines.readLine(in, "closed")).isEmpty()) {
                    head.append(line).append('\n');
                }
                heads.add(head.toString());
                OutputStream out = client.getOutputStream();
                if (status != 200) {
                    out.write(("HTTP/1.1 " + status + " No\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    return;
                }
                String[] target = head.toString().split(" ")[1].split(":");
                try (Socket upstream = new Socket(target[0], Integer.parseInt(target[1]))) {
                    out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    Thread pump = Thread.ofVirtual().start(() -> copy(in, upstream));
                    copy(upstream.getInputStream(), client);
                    pump.join();
                }
            } catch (IOException | InterruptedException e) {
                // a side closed: the tunnel is over
            }
        }

        private static void copy(InputStream from, Socket to) {
            try {
                from.transferTo(to.getOutputStream());
                to.shutdownOutput();
            } catch (IOException e) {
                // closed
            }
        }

        String url(String userInfo) {
            return "http://" + userInfo + "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static Config config(TestUpstream upstream, String proxyUrl, List<String> noProxy) throws Exception {
        Config base = TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS);
        EgressProxy proxy = EgressProxy.parse(proxyUrl, noProxy);
        return new Config(base.source(), base.server(), base.ping(), UpstreamSettings.DEFAULTS.withProxy(proxy),
                base.stream(), base.demo(), base.routes());
    }

    private static final TestUpstream.Script ANSWERS = conn -> conn.sseHead().chunk("data: {\"n\":1}\n\n")
            .chunk("data: [DONE]\n\n").end();

    @Test
    void requestsGoThroughTheProxysTunnelWithItsCredentials() throws Exception {
        try (TestUpstream upstream = new TestUpstream(ANSWERS);
                ConnectProxy proxy = new ConnectProxy(200);
                RunningRelay relay = new RunningRelay(config(upstream, proxy.url("relay:s3cret@"), List.of()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals(200, client.status);
            assertEquals("data: [DONE]\n\n", client.remainingBlocks().getLast().text());
            assertEquals(STREAM_REQUEST, upstream.nextConnection(WAIT).bodyText());
            assertEquals(1, proxy.heads.size());
            String head = proxy.heads.getFirst();
            assertTrue(head.startsWith("CONNECT " + upstream.uri().getAuthority() + " HTTP/1.1\n"), head);
            assertTrue(head.toLowerCase(Locale.ROOT).contains("proxy-authorization: basic cmvsyxk6cznjcmv0"), head);
        }
    }

    @Test
    void aProxyThatRefusesIsA502NamingIt() throws Exception {
        try (TestUpstream upstream = new TestUpstream(ANSWERS);
                ConnectProxy proxy = new ConnectProxy(407);
                RunningRelay relay = new RunningRelay(config(upstream, proxy.url(""), List.of()))) {
            TestClient client = relay.client().post("/v1/chat/completions", STREAM_REQUEST);
            assertEquals(502, client.status);
            String body = client.bodyText();
            assertTrue(body.contains("answered 407 to CONNECT"), body);
            assertEquals(0, upstream.accepted());
        }
    }

    @Test
    void noProxyHostsAreReachedDirectly() throws Exception {
        try (TestUpstream upstream = new TestUpstream(ANSWERS);
                ConnectProxy proxy = new ConnectProxy(200);
                RunningRelay relay = new RunningRelay(config(upstream, proxy.url(""), List.of("example.com", "127.0.0.1")))) {
            assertEquals(200, relay.client().post("/v1/chat/completions", STREAM_REQUEST).status);
            assertEquals(STREAM_REQUEST, upstream.nextConnection(WAIT).bodyText());
            assertEquals(List.of(), proxy.heads);
        }
    }

    private static Config withRouteTarget(TestUpstream upstream, Optional<EgressProxy> global,
            RouteTarget.ProxyChoice own) {
        Config base = TestConfigs.with(upstream.uri(), PING, StreamSettings.DEFAULTS);
        Route route = new Route("/v1", new RouteTarget.Http(upstream.uri(), UpstreamTrust.JDK, own), Map.of(), true,
                ErrorFormat.AUTO);
        UpstreamSettings d = UpstreamSettings.DEFAULTS;
        return new Config(base.source(), base.server(), base.ping(),
                new UpstreamSettings(d.connectTimeout(), d.keepalive(), d.maxIdlePerHost(), d.idleTtl(), global),
                base.stream(), base.demo(), List.of(route));
    }

    @Test
    void anUpstreamsOwnProxyIsUsedWithoutAGlobalOne() throws Exception {
        try (TestUpstream upstream = new TestUpstream(ANSWERS);
                ConnectProxy proxy = new ConnectProxy(200);
                RunningRelay relay = new RunningRelay(withRouteTarget(upstream, Optional.empty(),
                        new RouteTarget.ProxyChoice.Via(EgressProxy.parse(proxy.url(""), List.of()))))) {
            assertEquals(200, relay.client().post("/v1/chat/completions", STREAM_REQUEST).status);
            assertEquals(STREAM_REQUEST, upstream.nextConnection(WAIT).bodyText());
            assertEquals(1, proxy.heads.size());
        }
    }

    @Test
    void anUpstreamMarkedDirectSkipsTheGlobalProxy() throws Exception {
        try (TestUpstream upstream = new TestUpstream(ANSWERS);
                ConnectProxy proxy = new ConnectProxy(200);
                RunningRelay relay = new RunningRelay(withRouteTarget(upstream,
                        Optional.of(EgressProxy.parse(proxy.url(""), List.of())), new RouteTarget.ProxyChoice.Direct()))) {
            assertEquals(200, relay.client().post("/v1/chat/completions", STREAM_REQUEST).status);
            assertEquals(STREAM_REQUEST, upstream.nextConnection(WAIT).bodyText());
            assertEquals(List.of(), proxy.heads);
        }
    }
}
