package io.sipfleet.simulator.scenario.run;

import java.util.List;

/**
 * A run as it goes, for {@code GET /api/runs/{id}} and MQTT: where it is and what was decided so far.
 *
 * @param scenario    the scenario's name
 * @param state       pending, running, rolling-back, finished
 * @param phase       the phase running now: {@code fleets}, {@code steady state (before)}, a step's name,
 *                    {@code steady state (after)}, {@code thresholds}, {@code rollbacks}, {@code cleanup}; null before
 * @param stepIndex   the step running now (0-based), -1 outside the steps
 * @param stepsTotal  the scenario's steps
 * @param results     every expectation decided so far
 * @param verdict     once finished, else null
 */
public record RunProgress(String scenario, State state, String phase, int stepIndex, int stepsTotal,
                          List<ExpectationResult> results, Verdict verdict) {
    public RunProgress {
        results = List.copyOf(results);
    }

    public enum State {
        PENDING, RUNNING, ROLLING_BACK, FINISHED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }
}
