package relay.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;
import javax.net.ssl.SNIHostName;
import org.junit.jupiter.api.Test;

class UpstreamAddressTest {

    private static UpstreamAddress of(String uri) {
        return UpstreamAddress.of(URI.create(uri));
    }

    @Test
    void ipv6LiteralLosesItsBracketsExceptInTheHostHeader() {
        UpstreamAddress address = of("https://[::1]:8443/v1");
        assertEquals("::1", address.host());
        assertEquals("[::1]:8443", address.authority());
        assertEquals("::1", address.tlsName());
        assertEquals(List.of(), address.serverNames());
        assertEquals("[2001:db8::1]", of("http://[2001:db8::1]").authority());
    }

    @Test
    void ipv4LiteralIsNotSentAsSni() {
        assertEquals(List.of(), of("https://10.0.0.1").serverNames());
        assertEquals("10.0.0.1", of("https://10.0.0.1:443").authority());
    }

    @Test
    void trailingDotIsKeptForConnectAndHostButNotForTls() {
        UpstreamAddress address = of("https://api.example.com.:444");
        assertEquals("api.example.com.", address.host());
        assertEquals("api.example.com.:444", address.authority());
        assertEquals("api.example.com", address.tlsName());
        assertEquals(List.of(new SNIHostName("api.example.com")), address.serverNames());
    }

    @Test
    void defaultPortsAreLeftOutOfTheHostHeader() {
        assertEquals("example.com", of("http://example.com:80").authority());
        assertEquals("example.com:443", of("http://example.com:443").authority());
        assertEquals("example.com", of("https://example.com").authority());
        assertEquals(443, of("https://example.com").port());
        assertEquals(80, of("http://example.com").port());
    }
}
