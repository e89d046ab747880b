package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.Verdict;
import java.util.Map;

/** {@code reorder}: matched packets are held back so that later ones overtake them. */
public final class ReorderType extends AbstractFaultType {
    public static final String NAME = "reorder";

    public ReorderType() {
        super(NAME, "Holds each matched packet back for holdMs so that later packets overtake it "
                        + "(use a probability below 1; connect attempts pass).",
                Direction.BOTH,
                "holdMs", "how long a packet is held back, ms, 1..60000 (default 100)");
    }

    @Override
    public Behaviour create(Map<String, Object> params, Direction direction) {
        Params ps = read(params);
        long hold = ps.integer("holdMs", 100, 1, 60_000);
        return (p, nowMs, random, faultId) -> p.kind() == Packet.Kind.CONNECT
                ? Verdict.PASS
                : new Verdict.Delay(faultId, hold);
    }
}
