package io.sipfleet.device;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A firmware generation as data (behaviour.md §3). The state machine asks the profile for the
 * budget of a non-last server and never branches on the model's name, so adding a V4 is one more
 * constant here, not a code path.
 *
 * @param name       the model name used by the APIs ("V2", "V3")
 * @param budgetKind how the budget on a non-last server is measured
 * @param lineCount  how many lines a phone of this model has
 */
public record FirmwareProfile(String name, BudgetKind budgetKind, int lineCount) {

    /** V2: a non-last server is tried for Signal Retry Duration seconds. */
    public static final FirmwareProfile V2 = new FirmwareProfile("V2", BudgetKind.DURATION, 2);
    /** V3: a non-last server gets Signal Retry Counts retransmissions. */
    public static final FirmwareProfile V3 = new FirmwareProfile("V3", BudgetKind.RETRANSMISSIONS, 6);

    private static final List<FirmwareProfile> ALL = List.of(V2, V3);

    public FirmwareProfile {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a firmware profile needs a name");
        }
        if (budgetKind == null) {
            throw new IllegalArgumentException("a firmware profile needs a budget kind");
        }
        if (lineCount < 1) {
            throw new IllegalArgumentException("a firmware profile needs at least one line");
        }
    }

    /** Every known profile, in name order. */
    public static List<FirmwareProfile> all() {
        return ALL;
    }

    /** The profile of that name (case-insensitive), if there is one. */
    public static Optional<FirmwareProfile> byName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String wanted = name.trim().toUpperCase(Locale.ROOT);
        return ALL.stream().filter(p -> p.name.equals(wanted)).findFirst();
    }

    /** How a model bounds the time it spends on a server that is not the last of the walk (§5). */
    public enum BudgetKind {
        /** The original send plus Signal Retry Counts retransmissions (V3). */
        RETRANSMISSIONS,
        /** Signal Retry Duration seconds (V2). */
        DURATION
    }
}
