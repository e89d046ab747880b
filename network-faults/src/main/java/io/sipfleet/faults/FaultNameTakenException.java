package io.sipfleet.faults;

/** A fault's name that another fault already has (the APIs answer 409). */
public final class FaultNameTakenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FaultNameTakenException(String message) {
        super(message);
    }
}
