package io.sipfleet.faults;

/**
 * A fault as the engine holds it: its definition (validated, target resolved), when it is active,
 * and what it did so far. A snapshot: counters keep going in the engine.
 *
 * @param id          unique; the spec's name, or {@code <type>-<n>}
 * @param spec        as given (validated)
 * @param server      the resolved target ({@code host:port}), null: every server
 * @param createdAtMs simulation clock
 * @param startsAtMs  createdAt + startDelay
 * @param endsAtMs    startsAt + duration, or {@code Long.MAX_VALUE}
 * @param state       at the instant of the snapshot
 */
public record Fault(String id, FaultSpec spec, String server, long createdAtMs, long startsAtMs, long endsAtMs,
                    State state, Counters counters) {

    public enum State { PENDING, ACTIVE, EXPIRED }

    /**
     * @param matched    packets it matched (target, phones, methods, direction, time), whatever it did to them
     * @param dropped    dropped (blackhole, loss, the UDP packets of unreachable)
     * @param delayed    delayed or held back (delay, reorder)
     * @param duplicated packets it duplicated
     * @param answered   requests it answered in the server's place (respond)
     * @param refused    connects refused, UDP sends answered with ICMP, connections reset (unreachable, tcp-reset)
     * @param timedOut   connects made to time out (tcp-connect-timeout)
     */
    public record Counters(long matched, long dropped, long delayed, long duplicated, long answered, long refused,
                           long timedOut) {}
}
