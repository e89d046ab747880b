package io.sipfleet.simulator.stream;

import java.util.Set;

/**
 * Which phones' events a live stream carries: those of the named fleets and the named phones (either
 * set empty: none by it); both empty: every phone's.
 */
public record StreamFilter(Set<String> fleets, Set<String> phones) {
    public static final StreamFilter ALL = new StreamFilter(Set.of(), Set.of());

    public StreamFilter {
        fleets = Set.copyOf(fleets);
        phones = Set.copyOf(phones);
    }

    /** Whether the event of {@code phoneId} of {@code fleet} passes. */
    public boolean matches(String fleet, String phoneId) {
        if (fleets.isEmpty() && phones.isEmpty()) {
            return true;
        }
        return (fleet != null && fleets.contains(fleet)) || phones.contains(phoneId);
    }
}
