package io.sipfleet.simulator.fleet;

import io.sipfleet.device.event.PhoneEvent;

/**
 * A phone's event as the simulator reports it.
 *
 * @param event      what the phone did (§12)
 * @param overloaded decided while the simulator was behind its own work (see
 *                   {@link io.sipfleet.simulator.runtime.OverloadMonitor}): a timeout or failover it
 *                   carries may be the simulator's lag rather than the server's silence
 */
public record FleetEvent(PhoneEvent event, boolean overloaded) {
    public String phone() {
        return event.phone();
    }
}
