package relay.upstream;

import java.io.IOException;

/** Reading the client's request body failed (the client left mid-upload): not the upstream's fault. */
public final class RequestBodyException extends IOException {
    public RequestBodyException(IOException cause) {
        super("client request body: " + cause.getMessage(), cause);
    }
}
