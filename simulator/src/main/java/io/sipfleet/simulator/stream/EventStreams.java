package io.sipfleet.simulator.stream;

import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The live streams' fan-out: every phone event (on the simulator's event thread, never a phone's) goes to
 * each client whose filter passes it, into that client's bounded queue ({@link StreamSubscription});
 * summaries go to every client. Nothing here waits for a client.
 */
public final class EventStreams implements FleetListener {
    private final List<StreamSubscription> subscriptions = new CopyOnWriteArrayList<>();
    private final LongAdder dropped = new LongAdder();
    private final Function<String, String> fleetOf;

    /** @param fleetOf a phone's fleet from its id (null when unknown) */
    public EventStreams(Function<String, String> fleetOf) {
        this.fleetOf = fleetOf;
    }

    /**
     * A new client.
     *
     * @param capacity events that may wait for it (past it, its oldest are dropped)
     * @param wake     called when something waits for it; must return at once (hand the work to another thread)
     */
    public StreamSubscription subscribe(StreamFilter filter, int capacity, Runnable wake) {
        StreamSubscription s = new StreamSubscription(filter, capacity, wake, dropped::increment);
        subscriptions.add(s);
        return s;
    }

    public void unsubscribe(StreamSubscription s) {
        s.close();
        subscriptions.remove(s);
    }

    /** Clients connected now. */
    public int clients() {
        return subscriptions.size();
    }

    /** Events dropped for slow clients since start, all clients together. */
    public long dropped() {
        return dropped.sum();
    }

    /** The same summary to every client. */
    public void summary(Object s) {
        for (StreamSubscription sub : subscriptions) {
            sub.summary(s);
        }
    }

    @Override
    public void onEvent(FleetEvent event) {
        if (subscriptions.isEmpty()) {
            return;
        }
        String fleet = fleetOf.apply(event.phone());
        for (StreamSubscription s : subscriptions) {
            s.offer(event, fleet);
        }
    }
}
