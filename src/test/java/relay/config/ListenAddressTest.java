package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Addresses are printed the way server.listen is written, without InetSocketAddress's "host/". */
class ListenAddressTest {

    private static String format(String literal, int port) {
        return ListenAddress.format(new InetSocketAddress(InetAddress.ofLiteral(literal), port));
    }

    @Test
    void ipv4IsHostColonPort() {
        assertEquals("127.0.0.1:18080", format("127.0.0.1", 18080));
        assertEquals("0.0.0.0:8080", format("0.0.0.0", 8080));
    }

    @Test
    void ipv6IsBracketedAndShort() {
        assertEquals("[::1]:8080", format("::1", 8080));
        assertEquals("[::]:8080", format("::", 8080));
        assertEquals("[2001:db8::1]:443", format("2001:db8:0:0:0:0:0:1", 443));
        assertEquals("[2001:db8:0:1::]:443", format("2001:db8:0:1:0:0:0:0", 443));
        assertEquals("[1:0:2:3:4:5:6:7]:443", format("1:0:2:3:4:5:6:7", 443));
    }

    @Test
    void whatIsPrintedParsesBackToTheSameAddress() throws Exception {
        for (String text : new String[] {"127.0.0.1:18080", "[::1]:8080", "[2001:db8::1]:443", "0.0.0.0:1"}) {
            assertEquals(text, ListenAddress.format(ListenAddress.parse(text)));
        }
    }

    @Test
    void unresolvedHostIsPrintedAsGiven() {
        assertEquals("relay.example:80", ListenAddress.format(InetSocketAddress.createUnresolved("relay.example", 80)));
    }
}
