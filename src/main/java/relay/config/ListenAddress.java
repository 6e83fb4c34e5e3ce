package relay.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * {@code server.listen}: {@code "host:port"} or {@code "[ipv6]:port"}, resolved now so a typo fails at start;
 * and the same form back for messages ({@link InetSocketAddress#toString} would print {@code /127.0.0.1:8080}).
 */
public final class ListenAddress {
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    private static final Pattern HOST_NAME =
            Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?");

    private ListenAddress() {
    }

    static InetSocketAddress parse(String text) throws InvalidValue {
        return text.startsWith("[") ? bracketed(text) : plain(text);
    }

    private static InetSocketAddress bracketed(String text) throws InvalidValue {
        int close = text.indexOf(']');
        if (close < 0) {
            throw new InvalidValue("has '[' without ']' (write e.g. \"[::1]:8080\")");
        }
        if (!text.startsWith(":", close + 1)) {
            throw new InvalidValue("needs a port after the ']' (write e.g. \"[::1]:8080\")");
        }
        int port = port(text.substring(close + 2));
        return new InetSocketAddress(literal(text.substring(1, close)), port);
    }

    private static InetSocketAddress plain(String text) throws InvalidValue {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new InvalidValue("needs host:port (write e.g. \"127.0.0.1:8080\")");
        }
        String host = text.substring(0, colon);
        if (host.contains(":")) {
            throw new InvalidValue("has an IPv6 address without brackets (write e.g. \"[::1]:8080\")");
        }
        if (host.isEmpty()) {
            throw new InvalidValue("needs a host (write \"0.0.0.0:PORT\" to listen on every interface)");
        }
        int port = port(text.substring(colon + 1));
        return new InetSocketAddress(resolve(host), port);
    }

    private static int port(String text) throws InvalidValue {
        if (!PORT.matcher(text).matches() || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw new InvalidValue("needs a port from 1 to 65535");
        }
        return Integer.parseInt(text);
    }

    private static InetAddress resolve(String host) throws InvalidValue {
        try {
            return InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException notALiteral) {
            // Only a syntactically valid name goes to DNS: junk should not cost a resolver timeout.
            if (!HOST_NAME.matcher(host).matches()) {
                throw new InvalidValue("has a host that is neither an IP address nor a host name");
            }
            try {
                return InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new InvalidValue("has a host that does not resolve");
            }
        }
    }

    private static InetAddress literal(String host) throws InvalidValue {
        try {
            return InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw new InvalidValue("has brackets around something that is not an IP address");
        }
    }

    /** {@code 127.0.0.1:8080}, {@code [::1]:8080}: what {@link #parse} reads, for messages and {@code --check}. */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.contains(":") ? "[" + shortIpv6(host) + "]" : host) + ":" + address.getPort();
    }

    /** The JDK prints {@code ::1} as {@code 0:0:0:0:0:0:0:1}; RFC 5952 folds the longest run of zero groups. */
    private static String shortIpv6(String full) {
        int zone = full.indexOf('%');
        String groupsText = zone < 0 ? full : full.substring(0, zone);
        String[] groups = groupsText.split(":", -1);
        int bestStart = -1;
        int bestLength = 1; // a single zero group stays as it is
        for (int i = 0; i < groups.length; i++) {
            int length = 0;
            while (i + length < groups.length && groups[i + length].equals("0")) {
                length++;
            }
            if (length > bestLength) {
                bestStart = i;
                bestLength = length;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail + (zone < 0 ? "" : full.substring(zone));
    }
}
