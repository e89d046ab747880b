package io.sipfleet.simulator;

/** A host:port that names no server (it does not resolve), nor a built-in server's name. */
public final class UnknownServerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownServerException(String target) {
        super("'" + target + "' is neither a built-in server's name nor a host:port that resolves");
    }
}
