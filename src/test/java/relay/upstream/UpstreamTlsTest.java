package relay.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.config.UpstreamSettings;

/** relay's upstream client against a real TLS server on loopback, with certificates made for the test. */
class UpstreamTlsTest {
    private static final LoopbackUpstream.Script OK = HttpsGet.OK;
    private static final ScheduledExecutorService WRITE_TIMER = HttpsGet.WRITE_TIMER;
    private static final UpstreamSettings SETTINGS = HttpsGet.SETTINGS;

    private static TestCertificate forIps;
    private static TestCertificate forLocalhost;

    @BeforeAll
    static void makeCertificates() throws Exception {
        forIps = TestCertificate.selfSigned("ip:127.0.0.1,ip:::1");
        forLocalhost = TestCertificate.selfSigned("dns:localhost");
    }

    private static String get(URI base, SSLSocketFactory tls) throws IOException {
        return HttpsGet.get(base, tls);
    }

    @Test
    void aSelfSignedCertificateIsRejectedByDefault() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream(forIps.serverFactory(), "127.0.0.1", OK)) {
            IOException e = assertThrows(IOException.class,
                    () -> get(server.uri("https"), (SSLSocketFactory) SSLSocketFactory.getDefault()));
            assertInstanceOf(UpstreamConnectException.class, e);
            assertTrue(e.getMessage().contains("the upstream's TLS certificate is not signed by a trusted CA"), e.getMessage());
        }
    }

    @Test
    void aTrustedCertificateForAnIpv4LiteralConnectsWithoutSni() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream(forIps.serverFactory(), "127.0.0.1", OK)) {
            assertEquals("200 ok", get(server.uri("https"), forIps.trustingClientFactory()));
            assertEquals(List.of(), server.serverNames()); // RFC 6066: literal addresses are not sent as SNI
        }
    }

    @Test
    void aTrustedCertificateForIpv6LoopbackConnectsWithoutSni() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream(forIps.serverFactory(), "::1", OK)) {
            assertEquals("https://[::1]:" + server.port(), server.uri("https").toString());
            assertEquals("200 ok", get(server.uri("https"), forIps.trustingClientFactory()));
            assertEquals(List.of(), server.serverNames());
            assertEquals(true, server.requestHead().contains("\r\nHost: [::1]:" + server.port() + "\r\n"));
        }
    }

    @Test
    void aHostNameIsSentAsSniAndVerified() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream(forLocalhost.serverFactory(), "127.0.0.1", OK)) {
            URI base = URI.create("https://localhost:" + server.port());
            assertEquals("200 ok", get(base, forLocalhost.trustingClientFactory()));
            assertEquals(List.of(new SNIHostName("localhost")), server.serverNames());
        }
    }

    /** The certificate is trusted, but names localhost, not 127.0.0.1: hostname verification refuses it. */
    @Test
    void aCertificateForAnotherNameIsRejected() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream(forLocalhost.serverFactory(), "127.0.0.1", OK)) {
            IOException e = assertThrows(IOException.class, () -> get(server.uri("https"), forLocalhost.trustingClientFactory()));
            assertInstanceOf(UpstreamConnectException.class, e);
            assertTrue(e.getMessage().contains("the upstream's TLS certificate is not for 127.0.0.1"), e.getMessage());
        }
    }

    @Test
    void aCertificateForIpv4IsRejectedForIpv6() throws Exception {
        TestCertificate v4Only = TestCertificate.selfSigned("ip:127.0.0.1");
        try (LoopbackUpstream server = new LoopbackUpstream(v4Only.serverFactory(), "::1", OK)) {
            assertThrows(UpstreamConnectException.class, () -> get(server.uri("https"), v4Only.trustingClientFactory()));
        }
    }

    /** A timed-out wait on a TLS socket leaves it usable: the head read so far is kept. */
    @Test
    void waitingInSlicesWorksOverTls() throws Exception {
        java.util.concurrent.CountDownLatch interimSent = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch timedOut = new java.util.concurrent.CountDownLatch(1);
        try (LoopbackUpstream server = new LoopbackUpstream(forIps.serverFactory(), "127.0.0.1", (head, in, out) -> {
                    LoopbackUpstream.write(out, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-");
                    interimSent.countDown();
                    timedOut.await();
                    LoopbackUpstream.write(out, "Length: 2\r\n\r\nok");
                    in.read();
                });
                UpstreamCall call = new HttpUpstream(server.uri("https"), SETTINGS, Duration.ofSeconds(5),
                        forIps.trustingClientFactory(), WRITE_TIMER).call(new UpstreamRequest("GET", "/x", List.of(), null, 0))) {
            assertEquals(true, interimSent.await(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(false, call.awaitResponse(Duration.ofMillis(100)));
            timedOut.countDown();
            assertEquals(true, call.awaitResponse(Duration.ofSeconds(10)));
            UpstreamResponse response = call.response();
            assertEquals("ok", new String(response.body().readAllBytes(), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void anEarlyAnswerOverTlsIsTheResponse() throws Exception {
        try (LoopbackUpstream server = new LoopbackUpstream(forIps.serverFactory(), "127.0.0.1", (head, in, out) ->
                        LoopbackUpstream.write(out, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 9\r\n\r\ntoo large"));
                UpstreamResponse response = new HttpUpstream(server.uri("https"), SETTINGS, Duration.ofSeconds(5),
                        forIps.trustingClientFactory(), WRITE_TIMER).send(HttpUpstreamTest.post(64L << 20))) {
            assertEquals(413, response.status());
            assertEquals("too large", new String(response.body().readAllBytes(), StandardCharsets.ISO_8859_1));
        }
    }
}
