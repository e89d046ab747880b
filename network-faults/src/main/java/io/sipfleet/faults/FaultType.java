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

    /**
     * Checks the attributes and the direction and makes the behaviour, knowing the fault's
     * probability. {@link FaultEngine} always calls this one. A type that does not
     * {@linkplain #ownsProbability() own the probability} need not look at it (the default just
     * calls {@link #create(Map, Direction)}); one that does uses it as its own parameter (the loss
     * rate of {@code loss}).
     *
     * @param params      the fault's attributes, never null (empty when none)
     * @param direction   the effective direction (the fault's, or {@link #defaultDirection()})
     * @param probability the fault's probability, 0..1 (1 when the fault gives none)
     * @throws InvalidFaultException naming the bad field ({@code params.<name>}, {@code direction})
     */
    default Behaviour create(Map<String, Object> params, Direction direction, double probability) {
        return create(params, direction);
    }

    /**
     * Whether the behaviour applies the fault's probability itself. False (the default): the engine
     * draws against the probability first and asks the behaviour only when the draw hits. True: the
     * engine asks the behaviour about every matched packet, and the behaviour, made with
     * {@link #create(Map, Direction, double)}, decides with the probability as it sees fit (for
     * {@code loss} with {@code model=bursty} it is the mean loss rate of a Gilbert-Elliott chain).
     */
    default boolean ownsProbability() {
        return false;
    }

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
