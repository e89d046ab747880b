package io.sipfleet.device.time;

/**
 * RFC 3261 timers derived from T1 (behaviour.md §1: T2 = 8*T1, Timer B/F = 64*T1). Every time of
 * §5 scales with T1; configured intervals in seconds do not.
 *
 * @param t1 the round-trip estimate in milliseconds (500 by default)
 */
public record SipTimers(long t1) {
    public static final SipTimers DEFAULT = new SipTimers(500);

    public SipTimers {
        if (t1 < 1) {
            throw new IllegalArgumentException("T1 must be at least 1 ms, got " + t1);
        }
    }

    public long t2() {
        return 8 * t1;
    }

    /** Timer B (INVITE) and Timer F (non-INVITE): 64*T1, the budget of the last server. */
    public long transactionTimeout() {
        return 64 * t1;
    }

    /**
     * When the k-th retransmission (k &ge; 1) of a request sent at 0 is due over UDP: Timer A doubles
     * without bound for INVITE, Timer E doubles up to T2 for every other request (RFC 3261 §17.1).
     */
    public long retransmissionOffset(int k, boolean invite) {
        long at = 0;
        long interval = t1;
        for (int i = 1; i <= k; i++) {
            at += interval;
            interval = invite ? interval * 2 : Math.min(interval * 2, t2());
        }
        return at;
    }
}
