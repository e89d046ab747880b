package io.sipfleet.faults;

/**
 * A fault as the engine holds it: its definition (validated, target resolved), when it is active,
 * and what it did so far. A snapshot: counters keep going in the engine.
 *
 * @param id          unique; the spec's name, or {@code <type>-<n>}
 * @param spec        as given, validated and normalised: name = id, direction and probability the
 *                    effective ones, methods upper-case, params an unmodifiable copy
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
     * What a fault did so far. {@code matched} counts every packet the fault matched, before its
     * probability draw; the others count the verdicts it gave, one each, so their sum is at most
     * {@code matched}.
     *
     * @param matched    packets it matched (target, phones, methods, direction, time), whatever it did to them
     * @param dropped    dropped (blackhole, loss); an {@code unreachable} verdict counts as refused only
     * @param delayed    delayed or held back (delay, reorder)
     * @param duplicated packets it duplicated
     * @param answered   requests it answered in the server's place (respond)
     * @param refused    {@link Verdict.Unreachable} and {@link Verdict.Reset} verdicts: connects refused, UDP
     *                   sends dropped and answered with ICMP, connections reset (unreachable, tcp-reset)
     * @param timedOut   connects made to time out (tcp-connect-timeout)
     */
    public record Counters(long matched, long dropped, long delayed, long duplicated, long answered, long refused,
                           long timedOut) {}
}
