package io.sipfleet.faults;

import java.util.Map;

/**
 * A kind of fault (blackhole, delay, ...): checks a fault's attributes and makes the behaviour that
 * decides each packet. Registered by name in {@link FaultTypes}.
 */
public interface FaultType {
    /** As the APIs spell it: {@code blackhole}, {@code tcp-reset}. */
    String name();

    /** One line for the README's catalogue and the API's error messages. */
    String description();

    /** The attributes it takes, name to meaning (with default), for docs and errors. */
    Map<String, String> parameters();

    /** The direction when a fault gives none. */
    Direction defaultDirection();

    /**
     * Checks the attributes and the direction and makes the behaviour.
     *
     * @throws InvalidFaultException naming the bad field ({@code params.<name>}, {@code direction})
     */
    Behaviour create(Map<String, Object> params, Direction direction);

    /** Decides the packets a fault matched (target, phones, methods, direction and time already checked). */
    interface Behaviour {
        /**
         * @param p       the packet
         * @param nowMs   the simulation clock
         * @param random  the fault's draw for this packet: a pure function of the engine's seed, the fault
         *                and the packet's flow and place in it (see {@link FaultEngine})
         * @param faultId for the verdict
         * @return a verdict; {@link Verdict#PASS} when this behaviour does nothing to such a packet
         *         (e.g. {@code respond} for a response, {@code tcp-reset} on UDP)
         */
        Verdict decide(Packet p, long nowMs, java.util.random.RandomGenerator random, String faultId);
    }
}
