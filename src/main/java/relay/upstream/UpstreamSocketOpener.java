package relay.upstream;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.time.Duration;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import jdk.net.ExtendedSocketOptions;
import relay.config.EgressProxy;
import relay.config.UpstreamSettings;

/**
 * Opens the socket for one upstream exchange: connect timeout, TCP keepalive (so a vanished upstream
 * host is noticed in about {@code keepalive + 3 × 5 s} instead of never), no Nagle, TLS for https.
 */
final class UpstreamSocketOpener {
    static final int KEEPALIVE_PROBE_INTERVAL_SECONDS = 5;
    static final int KEEPALIVE_PROBES = 3;

    private final UpstreamSettings settings;
    private final Duration readTimeout;
    private final SSLSocketFactory tls;

    UpstreamSocketOpener(UpstreamSettings settings, Duration readTimeout, SSLSocketFactory tls) {
        this.settings = settings;
        this.readTimeout = readTimeout;
        this.tls = tls;
    }

    /**
     * An open connection: {@code socket} to talk on (TLS for https), {@code tcp} the plain socket under
     * it, which another thread can close without waiting for TLS locks.
     */
    record Connection(Socket socket, Socket tcp) {
    }

    Connection open(UpstreamAddress address) throws IOException {
        Socket tcp = new Socket();
        try {
            configure(tcp);
            Optional<EgressProxy> proxy = settings.proxy().filter(p -> p.applies(address.host()));
            if (proxy.isPresent()) {
                tunnel(tcp, proxy.get(), address);
            } else {
                tcp.connect(new InetSocketAddress(address.host(), address.port()), millis(settings.connectTimeout()));
            }
            Socket socket = address.secure() ? handshake(tcp, address) : tcp;
            socket.setSoTimeout(millis(readTimeout));
            return new Connection(socket, tcp);
        } catch (IOException | RuntimeException e) {
            tcp.close();
            throw e;
        }
    }

    /**
     * Connects to the proxy and asks it for a tunnel ({@code CONNECT host:port}, RFC 9110 §9.3.6),
     * within {@code upstream.connect_timeout}; the upstream's TLS (if any) then runs inside it. The
     * proxy's answer head is read a byte at a time: nothing of the tunnel's first bytes is consumed.
     */
    private void tunnel(Socket tcp, EgressProxy proxy, UpstreamAddress address) throws IOException {
        tcp.connect(new InetSocketAddress(proxy.host(), proxy.port()), millis(settings.connectTimeout()));
        tcp.setSoTimeout(millis(settings.connectTimeout()));
        String target = address.authority();
        StringBuilder request = new StringBuilder("CONNECT ").append(target).append(" HTTP/1.1\r\nHost: ")
                .append(target).append("\r\n");
        proxy.authorization().ifPresent(value -> request.append("Proxy-Authorization: ").append(value).append("\r\n"));
        request.append("\r\n");
        tcp.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        tcp.getOutputStream().flush();
        ResponseHead head;
        try {
            head = new HeadReader(tcp.getInputStream()).next();
        } catch (IOException e) {
            throw new IOException("proxy " + proxy.host() + ":" + proxy.port() + " did not answer CONNECT " + target
                    + ": " + e.getMessage(), e);
        }
        if (head.status() / 100 != 2) {
            throw new IOException("proxy " + proxy.host() + ":" + proxy.port() + " answered " + head.status()
                    + " to CONNECT " + target + (head.status() == 407 ? " (it wants credentials: "
                    + "upstream.proxy = \"http://user:password@host:port\")" : ""));
        }
    }

    private void configure(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        int idleSeconds = (int) Math.max(1, settings.keepalive().toSeconds());
        setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPIDLE, idleSeconds);
        setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPINTERVAL, KEEPALIVE_PROBE_INTERVAL_SECONDS);
        setIfSupported(socket, ExtendedSocketOptions.TCP_KEEPCOUNT, KEEPALIVE_PROBES);
    }

    private static <T> void setIfSupported(Socket socket, SocketOption<T> option, T value) throws IOException {
        if (socket.supportedOptions().contains(option)) {
            socket.setOption(option, value);
        }
    }

    private Socket handshake(Socket plain, UpstreamAddress address) throws IOException {
        SSLSocket socket = (SSLSocket) tls.createSocket(plain, address.tlsName(), address.port(), true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // checks the certificate against tlsName()
        parameters.setServerNames(address.serverNames());
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(millis(settings.connectTimeout()));
        socket.startHandshake();
        return socket;
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
    }
}
