package io.sipfleet.api.runtime;

/** A name already in use (answered 409). */
public final class NameTaken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NameTaken(String message) {
        super(message);
    }
}
