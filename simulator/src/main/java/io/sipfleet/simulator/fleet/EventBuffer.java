package io.sipfleet.simulator.fleet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The last events of one phone, bounded: the oldest go first when it is full. Thread-safe. */
final class EventBuffer {
    private final int capacity;
    private final ArrayDeque<FleetEvent> events;
    private long dropped;

    EventBuffer(int capacity) {
        this.capacity = capacity;
        this.events = new ArrayDeque<>(Math.min(capacity, 16));
    }

    synchronized void add(FleetEvent e) {
        if (events.size() == capacity) {
            events.removeFirst();
            dropped++;
        }
        events.addLast(e);
    }

    /** Events at or after {@code since} (simulation-clock ms), oldest first. */
    synchronized List<FleetEvent> since(long since) {
        List<FleetEvent> out = new ArrayList<>();
        for (FleetEvent e : events) {
            if (e.event().at() >= since) {
                out.add(e);
            }
        }
        return out;
    }

    synchronized long dropped() {
        return dropped;
    }
}
