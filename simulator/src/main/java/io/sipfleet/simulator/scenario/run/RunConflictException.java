package io.sipfleet.simulator.scenario.run;

/**
 * A run was asked for while another one is going ({@link Runs#start}): one run at a time per simulator, because
 * every run changes the servers every phone shares (the service answers 409).
 */
public final class RunConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String runningId;

    public RunConflictException(String runningId, String message) {
        super(message);
        this.runningId = runningId;
    }

    /** The id of the run that is going. */
    public String runningId() {
        return runningId;
    }
}
