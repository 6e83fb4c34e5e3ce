package relay.watch;

import java.nio.channels.SocketChannel;

/** The client connection under an exchange: its channel (to tell whether the JDK closed it) and descriptor. */
public record ClientSocket(SocketChannel channel, int fd) {
}
