package io.sipfleet.simulator.scenario.run;

import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every event of a run's fleets, kept for the whole run (a phone's own buffer keeps only its recent ones): what the
 * runner judges events, "no event" and metrics on. Registered with the simulator's event thread
 * ({@link io.sipfleet.simulator.Simulator#listen}); events of other fleets are ignored. Thread-safe.
 */
final class EventRecorder implements FleetListener {
    private final Set<String> fleets;
    private final ScenarioRunner.Listener listener;
    private final Map<String, List<FleetEvent>> byPhone = new ConcurrentHashMap<>();
    private final List<FleetEvent> all = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param fleets   the run's fleet names
     * @param listener hears each event of the run as it is recorded
     */
    EventRecorder(Set<String> fleets, ScenarioRunner.Listener listener) {
        this.fleets = Set.copyOf(fleets);
        this.listener = listener == null ? ScenarioRunner.Listener.NONE : listener;
    }

    /** The fleet of a phone id {@code {fleet}-{i}}, or null. */
    static String fleetOf(String phone) {
        int dash = phone == null ? -1 : phone.lastIndexOf('-');
        return dash <= 0 ? null : phone.substring(0, dash);
    }

    @Override
    public void onEvent(FleetEvent e) {
        if (!fleets.contains(fleetOf(e.phone()))) {
            return;
        }
        byPhone.computeIfAbsent(e.phone(), k -> Collections.synchronizedList(new ArrayList<>())).add(e);
        all.add(e);
        try {
            listener.onEvent(e);
        } catch (RuntimeException x) {
            System.getLogger(EventRecorder.class.getName()).log(System.Logger.Level.WARNING, "a run listener failed",
                    x);
        }
    }

    /** The phone's events recorded so far, oldest first (in the order the phone emitted them). */
    List<FleetEvent> events(String phone) {
        List<FleetEvent> l = byPhone.get(phone);
        if (l == null) {
            return List.of();
        }
        synchronized (l) {
            return new ArrayList<>(l);
        }
    }

    /**
     * The phone's events: those recorded, with those its own buffer holds that the event thread has not yet
     * brought here (the buffer is written on the phone's shard as the event happens; the event thread follows).
     */
    List<FleetEvent> events(String phone, List<FleetEvent> fromBuffer) {
        List<FleetEvent> recorded = events(phone);
        if (fromBuffer.isEmpty()) {
            return recorded;
        }
        Set<FleetEvent> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.addAll(recorded);
        List<FleetEvent> out = new ArrayList<>(recorded);
        for (FleetEvent e : fromBuffer) {
            if (seen.add(e)) {
                out.add(e);
            }
        }
        out.sort(java.util.Comparator.comparingLong(x -> x.event().at()));
        return out;
    }

    /** Every recorded event, in the order they arrived. */
    List<FleetEvent> all() {
        synchronized (all) {
            return new ArrayList<>(all);
        }
    }
}
