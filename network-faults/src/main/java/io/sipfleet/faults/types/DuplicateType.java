package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.Verdict;
import java.util.Map;

/** {@code duplicate}: every matched packet arrives more than once. */
public final class DuplicateType extends AbstractFaultType {
    public static final String NAME = "duplicate";

    public DuplicateType() {
        super(NAME, "Delivers each matched packet and then copies of it (connect attempts pass).",
                Direction.BOTH,
                "copies", "how many copies follow the original, 1..10 (default 1)",
                "spacingMs", "milliseconds between the original and each copy, 0..600000 (default 0)");
    }

    @Override
    public Behaviour create(Map<String, Object> params, Direction direction) {
        Params ps = read(params);
        int copies = (int) ps.integer("copies", 1, 1, 10);
        long spacing = ps.integer("spacingMs", 0, 0, DelayType.MAX_MS);
        return (p, nowMs, random, faultId) -> p.kind() == Packet.Kind.CONNECT
                ? Verdict.PASS
                : new Verdict.Duplicate(faultId, copies, spacing);
    }
}
