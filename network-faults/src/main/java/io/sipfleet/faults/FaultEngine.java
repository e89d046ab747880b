package io.sipfleet.faults;

import java.util.List;
import java.util.Optional;

/**
 * The faults in force and the pure decision "what happens to this packet now". Thread-safe; no
 * sockets, no timers, no clock of its own: callers pass the simulation time.
 *
 * <p>Determinism: every random draw is a function of the engine's seed, the fault's id, the
 * packet's flow (phone, server, direction) and the packet's place in that flow (the n-th packet of
 * that flow this fault was asked about). So with the same seed the same phones see the same
 * decisions however the packets of different phones interleave.
 *
 * <p>Several faults can match one packet: they are asked in the order they were added, and the
 * first that does something (any verdict but PASS) decides.
 */
public final class FaultEngine implements PacketPolicy {

    /**
     * @param seed    seeds every draw
     * @param types   the registry of fault types
     * @param servers resolves targets; an unknown one is refused as {@code target}
     */
    public FaultEngine(long seed, FaultTypes types, ServerDirectory servers) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Validates the whole spec first (type, target, phones, direction, probability 0..1, params,
     * startDelay >= 0, duration > 0, name unique) and adds it; on a bad spec nothing is added.
     *
     * @throws InvalidFaultException naming the field
     */
    public Fault add(FaultSpec spec, long nowMs) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Every fault, in the order added, with its state at {@code nowMs} (expired ones too, until removed). */
    public List<Fault> list(long nowMs) {
        throw new UnsupportedOperationException("TODO");
    }

    public Optional<Fault> get(String id, long nowMs) {
        throw new UnsupportedOperationException("TODO");
    }

    /** @return whether it was there */
    public boolean remove(String id) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Removes every fault (POST /api/reset). */
    public void clear() {
        throw new UnsupportedOperationException("TODO");
    }

    /** True when no fault is held: callers skip building packets (the fast path). */
    public boolean isEmpty() {
        throw new UnsupportedOperationException("TODO");
    }

    /** False when no fault is held. */
    @Override
    public boolean active() {
        return !isEmpty();
    }

    /** What happens to {@code p} at {@code nowMs}; counts it on the deciding fault. */
    @Override
    public Verdict decide(Packet p, long nowMs) {
        throw new UnsupportedOperationException("TODO");
    }
}
