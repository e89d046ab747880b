package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Verdict;
import java.util.Map;

/** {@code blackhole}: every matched packet (and connect attempt) vanishes. */
public final class BlackholeType extends AbstractFaultType {
    public static final String NAME = "blackhole";

    public BlackholeType() {
        super(NAME, "Drops every matched packet without a trace (a TCP/TLS connect gets no answer).",
                Direction.BOTH);
    }

    @Override
    public Behaviour create(Map<String, Object> params, Direction direction) {
        read(params);
        return (p, nowMs, random, faultId) -> new Verdict.Drop(faultId);
    }
}
