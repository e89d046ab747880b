package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Verdict;
import java.util.Map;

/** {@code delay}: every matched packet arrives later. */
public final class DelayType extends AbstractFaultType {
    public static final String NAME = "delay";
    /** The longest delay and jitter, ms (10 minutes). */
    public static final long MAX_MS = 600_000;

    public DelayType() {
        super(NAME, "Delays each matched packet by ms, plus or minus a uniform random jitter (never below 0).",
                Direction.BOTH,
                "ms", "the delay in milliseconds, 0..600000 (required)",
                "jitterMs", "each packet's delay is ms plus a uniform draw in [-jitterMs, +jitterMs], "
                        + "clamped at 0; 0..600000 (default 0)");
    }

    @Override
    public Behaviour create(Map<String, Object> params, Direction direction) {
        Params ps = read(params);
        long ms = ps.requiredInteger("ms", 0, MAX_MS);
        long jitter = ps.integer("jitterMs", 0, 0, MAX_MS);
        if (jitter == 0) {
            return (p, nowMs, random, faultId) -> new Verdict.Delay(faultId, ms);
        }
        return (p, nowMs, random, faultId) ->
                new Verdict.Delay(faultId, Math.max(0, ms + random.nextLong(-jitter, jitter + 1)));
    }
}
