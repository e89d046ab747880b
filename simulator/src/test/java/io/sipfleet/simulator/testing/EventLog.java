package io.sipfleet.simulator.testing;

import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetListener;
import io.sipfleet.simulator.fleet.PhoneHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Every event of the phones on the real wire (with its wall-clock {@code at}), and waiting for one. */
public final class EventLog implements FleetListener {
    private final List<PhoneEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(FleetEvent e) {
        events.add(e.event());
    }

    public List<PhoneEvent> events(String phone) {
        List<PhoneEvent> out = new ArrayList<>();
        for (PhoneEvent e : events) {
            if (e.phone().equals(phone)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Every recorded event of the phones of {@code fleet} (ids {@code fleet-i}). */
    public List<PhoneEvent> fleetEvents(String fleet) {
        List<PhoneEvent> out = new ArrayList<>();
        for (PhoneEvent e : events) {
            if (e.phone().startsWith(fleet + "-")) {
                out.add(e);
            }
        }
        return out;
    }

    /** Forgets the recorded events of {@code fleet}'s phones (before a fleet of the same name is made again). */
    public void forget(String fleet) {
        events.removeIf(e -> e.phone().startsWith(fleet + "-"));
    }

    /** Waits for the phone's first event of {@code type} matching {@code p}, at most {@code timeoutMs}. */
    public <E extends PhoneEvent> E await(PhoneHandle phone, Class<E> type, Predicate<E> p, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            Optional<E> e = find(phone, type, p);
            if (e.isPresent()) {
                return e.get();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no " + type.getSimpleName() + " from " + phone.id() + " within " + timeoutMs
                        + " ms; events: " + events(phone.id()));
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    public <E extends PhoneEvent> Optional<E> find(PhoneHandle phone, Class<E> type, Predicate<E> p) {
        for (PhoneEvent e : events) {
            if (e.phone().equals(phone.id()) && type.isInstance(e) && p.test(type.cast(e))) {
                return Optional.of(type.cast(e));
            }
        }
        return Optional.empty();
    }
}
