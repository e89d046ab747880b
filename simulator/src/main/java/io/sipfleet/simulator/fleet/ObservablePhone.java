package io.sipfleet.simulator.fleet;

/**
 * A phone as lists and the scenario runner observe it, whoever runs it: one of the simulator's own phones
 * ({@link PhoneHandle}), or a real phone seen on the wire through fault relays
 * ({@link io.sipfleet.simulator.relay.ObservedPhone}). Reading never waits for long.
 */
public interface ObservablePhone {
    String id();

    /** Line 1's state and active server (role), and the call state. */
    PhoneHandle.Brief brief();

    /** Line {@code n}'s state and active server, and the call state. */
    PhoneHandle.Brief line(int n);

    /** Whether the simulator drives it (keys, hook, register): false for a phone only observed on the wire. */
    default boolean drivable() {
        return true;
    }
}
