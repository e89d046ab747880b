package io.sipfleet.faults;

/**
 * Decides what happens to a packet now. {@link FaultEngine} is the real one; the simulator's packet
 * layer and the fault relay depend only on this, so they can be tested with a lambda.
 */
@FunctionalInterface
public interface PacketPolicy {
    /** Nothing ever happens to a packet. */
    PacketPolicy NONE = (p, now) -> Verdict.PASS;

    Verdict decide(Packet p, long nowMs);

    /** False when it would pass every packet: callers may skip building packets. */
    default boolean active() {
        return true;
    }
}
