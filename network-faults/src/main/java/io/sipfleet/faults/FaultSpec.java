package io.sipfleet.faults;

import java.util.Map;
import java.util.Set;

/**
 * A fault as asked for (POST /api/faults), before validation.
 *
 * @param name          a name of one's own, unique among the faults; null: one is given ({@code <type>-<n>})
 * @param type          a type name of the {@link FaultTypes} registry
 * @param target        a server ({@link ServerDirectory}); null: every server
 * @param phones        which phones; null: all
 * @param methods       SIP methods it applies to (a response counts under its CSeq method); null or empty: all
 *                      packets (keep-alives and connects included)
 * @param direction     null: the type's default ({@link FaultType#defaultDirection()})
 * @param probability   0..1 per packet; null: 1
 * @param params        the type's attributes (see {@link FaultType#parameters()}); null: none
 * @param startDelayMs  null or 0: active at once
 * @param durationMs    null: until deleted; else it ends by itself
 */
public record FaultSpec(String name, String type, String target, PhoneSelector phones, Set<String> methods,
                        Direction direction, Double probability, Map<String, Object> params, Long startDelayMs,
                        Long durationMs) {

    /** A fault of {@code type} on {@code target} for every phone, both ways, always. */
    public static FaultSpec of(String type, String target) {
        return new FaultSpec(null, type, target, null, null, null, null, null, null, null);
    }

    public FaultSpec withName(String n) {
        return new FaultSpec(n, type, target, phones, methods, direction, probability, params, startDelayMs, durationMs);
    }

    public FaultSpec withPhones(PhoneSelector s) {
        return new FaultSpec(name, type, target, s, methods, direction, probability, params, startDelayMs, durationMs);
    }

    public FaultSpec withMethods(Set<String> m) {
        return new FaultSpec(name, type, target, phones, m, direction, probability, params, startDelayMs, durationMs);
    }

    public FaultSpec withDirection(Direction d) {
        return new FaultSpec(name, type, target, phones, methods, d, probability, params, startDelayMs, durationMs);
    }

    public FaultSpec withProbability(double p) {
        return new FaultSpec(name, type, target, phones, methods, direction, p, params, startDelayMs, durationMs);
    }

    public FaultSpec withParams(Map<String, Object> p) {
        return new FaultSpec(name, type, target, phones, methods, direction, probability, p, startDelayMs, durationMs);
    }

    public FaultSpec withStartDelayMs(long ms) {
        return new FaultSpec(name, type, target, phones, methods, direction, probability, params, ms, durationMs);
    }

    public FaultSpec withDurationMs(long ms) {
        return new FaultSpec(name, type, target, phones, methods, direction, probability, params, startDelayMs, ms);
    }
}
