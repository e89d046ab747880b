package io.sipfleet.simulator.fleet;

/**
 * A phone's shard did not get to a control-plane call in time: the simulator is behind its own work (a
 * shard stalled or overloaded). The call may still run later; the caller should try again.
 */
public final class PhoneBusyException extends RuntimeException {
    private final long waitedMs;

    public PhoneBusyException(String what, long waitedMs) {
        super(what + " did not answer within " + waitedMs + " ms: the simulator is behind its own work "
                + "(see GET /api/status); try again");
        this.waitedMs = waitedMs;
    }

    public long waitedMs() {
        return waitedMs;
    }
}
