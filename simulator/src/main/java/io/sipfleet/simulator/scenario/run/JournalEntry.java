package io.sipfleet.simulator.scenario.run;

import java.util.Map;

/**
 * One line of a run's journal: every step, action and observation with its instant (Chaos Toolkit's journal).
 *
 * @param atMs  epoch ms
 * @param kind  {@code run}, {@code fleet}, {@code step}, {@code action}, {@code observation}, {@code expectation},
 *              {@code rollback}, {@code cleanup}, {@code verdict}
 * @param phase the step (or phase) it belongs to, or null
 * @param text  what happened, for a person
 * @param data  figures for a machine (may be empty)
 */
public record JournalEntry(long atMs, String kind, String phase, String text, Map<String, Object> data) {
    public JournalEntry {
        data = data == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
    }
}
