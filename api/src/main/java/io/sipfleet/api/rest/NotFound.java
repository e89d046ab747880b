package io.sipfleet.api.rest;

/** Something named in the path does not exist (mapped to 404). */
public final class NotFound extends RuntimeException {
    public NotFound(String message) {
        super(message);
    }
}
