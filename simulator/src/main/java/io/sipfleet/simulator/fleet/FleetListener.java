package io.sipfleet.simulator.fleet;

/**
 * What the control plane (MQTT, metrics, live streams) hears of the phones. Events arrive on the
 * simulator's event thread, never on a phone's: a slow listener delays other listeners, never a phone.
 */
public interface FleetListener {
    FleetListener NONE = e -> {};

    /** One event, in order per phone; on the event thread. */
    void onEvent(FleetEvent event);

    /**
     * What a phone shows changed (display, LEDs, tone, hook, line or call state). Called on the phone's
     * shard: it must take no lock that phone work could wait on, and return at once.
     */
    default void onOutputsChanged(String phoneId) {}
}
