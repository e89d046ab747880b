package io.sipfleet.api.rest;

/** Something named in the path does not exist (mapped to 404). */
public final class NotFound extends RuntimeException {
    private final boolean onAnotherShard;

    public NotFound(String message) {
        this(message, false);
    }

    private NotFound(String message, boolean onAnotherShard) {
        super(message);
        this.onAnotherShard = onAnotherShard;
    }

    /**
     * A phone of a fleet this instance shares with others, powered by another instance (README "Scale-out"):
     * over REST a 404 that says where it runs; over MQTT no answer at all, as the instance that owns it answers.
     */
    public static NotFound onAnotherShard(String message) {
        return new NotFound(message, true);
    }

    public boolean onAnotherShard() {
        return onAnotherShard;
    }
}
