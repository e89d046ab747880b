package io.sipfleet.faults;

import java.util.Set;

/** Which phones a fault applies to. */
public sealed interface PhoneSelector {
    /** Every phone (and, on the relay, every client). */
    PhoneSelector ALL = new All();

    boolean matches(Packet p);

    record All() implements PhoneSelector {
        @Override public boolean matches(Packet p) { return true; }
    }

    /** The phones of one fleet. */
    record Fleet(String name) implements PhoneSelector {
        @Override public boolean matches(Packet p) { return name.equals(p.fleet()); }
    }

    /** Phones by id (on the relay: clients by {@code host:port}). */
    record Ids(Set<String> ids) implements PhoneSelector {
        public Ids {
            ids = Set.copyOf(ids);
        }

        @Override public boolean matches(Packet p) { return ids.contains(p.phoneId()); }
    }

    /** The phones of one model (V2, V3). */
    record Model(String name) implements PhoneSelector {
        @Override public boolean matches(Packet p) { return name.equalsIgnoreCase(p.model() == null ? "" : p.model()); }
    }

    /**
     * A seeded sample: each phone is in or out by a hash of the seed and its id alone, so the same
     * seed picks the same phones on every run, whatever the order packets come in.
     *
     * @param percent 0..100
     */
    record Sample(double percent, long seed) implements PhoneSelector {
        @Override
        public boolean matches(Packet p) {
            throw new UnsupportedOperationException("TODO");
        }
    }
}
