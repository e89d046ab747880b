package io.sipfleet.simulator;

/** A name already in use (a relay's; the service answers 409). */
public final class NameTakenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NameTakenException(String message) {
        super(message);
    }
}
