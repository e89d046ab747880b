package io.sipfleet.device;

/**
 * Input the device refuses (a bad configuration item, an unknown key). Carries the name of the
 * offending field so that the APIs can name it; carries no protocol status code.
 */
public class InvalidInputException extends IllegalArgumentException {
    private final String field;

    public InvalidInputException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The offending field as the APIs name it (e.g. {@code registerPort}, {@code keys[2]}). */
    public String field() {
        return field;
    }
}
