package io.sipfleet.faults;

/** A fault definition that cannot be applied; names the field (as the REST body spells it). */
public final class InvalidFaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidFaultException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** e.g. {@code type}, {@code probability}, {@code target}, {@code durationSeconds}, {@code params.status}. */
    public String field() {
        return field;
    }
}
