package relay.upstream;

/** A framed response body that knows when it has been read to its end (the connection may then carry another exchange). */
interface CompleteBody {
    boolean complete();
}
