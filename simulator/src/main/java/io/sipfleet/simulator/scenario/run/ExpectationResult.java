package io.sipfleet.simulator.scenario.run;

import java.util.List;

/**
 * One judged expectation (of the steady state, a step, or a threshold).
 *
 * @param id          where it is in the file: {@code steadyState[0]}, {@code steps[2].expect[1]}, {@code thresholds[0]};
 *                    {@code steadyState[0]@after} for the second check of the steady state
 * @param phase       the step's name, {@code steady state (before)}, {@code steady state (after)} or {@code thresholds}
 * @param text        the expectation as a person writes it ({@code {fleet: v3, phones: all, on: backup, within: 800ms}})
 * @param outcome     passed, failed, error or skipped
 * @param measured    the measured figure ({@code 0/5 phones on backup at +100 ms}, {@code failoverLatency.p95 = 752 ms})
 * @param message     why it failed (or was skipped), for a person; null when it passed
 * @param evidence    the phones that missed (at most {@link Check#MAX_EVIDENCE}) and their last events
 * @param missed      how many phones missed in all (evidence lists the first of them)
 * @param startedAtMs the instant its times count from (epoch ms; the step's start or the {@code of} step's)
 * @param decidedAtMs when it was decided (epoch ms); 0 when never
 */
public record ExpectationResult(String id, String phase, String text, Outcome outcome, String measured,
                                String message, List<PhoneEvidence> evidence, int missed, long startedAtMs,
                                long decidedAtMs) {
    public ExpectationResult {
        evidence = List.copyOf(evidence);
    }

    /** How long from its start to its decision (ms), 0 when never decided. */
    public long elapsedMs() {
        return decidedAtMs == 0 ? 0 : Math.max(0, decidedAtMs - startedAtMs);
    }
}
