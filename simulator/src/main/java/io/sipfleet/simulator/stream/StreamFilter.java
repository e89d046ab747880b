package io.sipfleet.simulator.stream;

import java.util.Set;

/**
 * Which phones' events a live stream carries: those of the named fleets and the named phones (either
 * set empty: none by it); both empty: every phone's. {@link #SUMMARIES_ONLY}: no phone's (the stream then
 * carries its summaries alone).
 */
public record StreamFilter(Set<String> fleets, Set<String> phones, boolean noEvents) {
    public static final StreamFilter ALL = new StreamFilter(Set.of(), Set.of());
    /** No phone event at all: {@code GET /api/stream?events=none}. */
    public static final StreamFilter SUMMARIES_ONLY = new StreamFilter(Set.of(), Set.of(), true);

    public StreamFilter {
        fleets = Set.copyOf(fleets);
        phones = Set.copyOf(phones);
    }

    public StreamFilter(Set<String> fleets, Set<String> phones) {
        this(fleets, phones, false);
    }

    /** Whether the event of {@code phoneId} of {@code fleet} passes. */
    public boolean matches(String fleet, String phoneId) {
        if (noEvents) {
            return false;
        }
        if (fleets.isEmpty() && phones.isEmpty()) {
            return true;
        }
        return (fleet != null && fleets.contains(fleet)) || phones.contains(phoneId);
    }
}
