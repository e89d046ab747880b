package io.sipfleet.simulator.fleet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last events of one phone, bounded twice: at most {@code capacity} for the phone, and, across every
 * phone, at most the {@link Budget}'s total: past it a phone that adds an event lets its oldest go (down
 * to {@link #KEPT_ANYWAY}). A demo fleet keeps long histories; 100,000 phones share the same memory and
 * keep the recent ones, and the heap stays flat however long the run. Thread-safe.
 */
final class EventBuffer {
    /** Events a phone keeps whatever the total: the story of its last failover and failback. */
    static final int KEPT_ANYWAY = 8;

    /** Events kept across every phone, and the most there may be. */
    static final class Budget {
        private final AtomicLong total = new AtomicLong();
        private final long max;

        Budget(long max) {
            this.max = max;
        }

        long total() {
            return total.get();
        }
    }

    private final int capacity;
    private final Budget budget;
    private final ArrayDeque<FleetEvent> events;
    private long dropped;

    EventBuffer(int capacity, Budget budget) {
        this.capacity = capacity;
        this.budget = budget;
        this.events = new ArrayDeque<>(Math.min(capacity, 4));
    }

    synchronized void add(FleetEvent e) {
        if (events.size() == capacity) {
            events.removeFirst();
            dropped++;
        } else {
            budget.total.incrementAndGet();
        }
        events.addLast(e);
        if (budget.total.get() > budget.max && events.size() > KEPT_ANYWAY) {
            events.removeFirst();
            budget.total.decrementAndGet();
            dropped++;
        }
    }

    /** The phone is gone: its events leave the budget. */
    synchronized void clear() {
        budget.total.addAndGet(-events.size());
        events.clear();
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
