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
     * <p>A phone is in iff a 64-bit hash of (seed, phone id), mapped to [0, 100), is below
     * {@code percent}. The hash is a fixed algorithm (FNV-1a over the id's chars, MurmurHash3
     * finaliser, mixed with the seed), so it gives the same set on every run and every JVM; a
     * different seed picks an independent set. Samples of the same seed are nested: the 10% sample
     * is inside the 20% one.
     *
     * @param percent 0..100 (0: no phone, 100: every phone)
     */
    record Sample(double percent, long seed) implements PhoneSelector {
        @Override
        public boolean matches(Packet p) {
            return contains(p.phoneId());
        }

        /** Whether the phone with this id is in the sample (what {@link #matches} asks). */
        public boolean contains(String phoneId) {
            long h = Hash.combine(Hash.fmix64(seed ^ 0x5851f42d4c957f2dL), Hash.of(phoneId));
            return Hash.unit(h) * 100.0 < percent;
        }
    }
}
