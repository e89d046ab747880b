package io.sipfleet.simulator.scenario.run;

import java.util.List;

/**
 * One step (or one check of the steady state) as it ran.
 *
 * @param name         the step's name, or {@code steady state (before)} / {@code steady state (after)}
 * @param outcome      failed if any expectation failed, error if one could not be judged or an action failed,
 *                     skipped if it never ran
 * @param startedAtMs  when its first action was carried out (epoch ms); 0 when it never ran
 * @param endedAtMs    when its actions were done and its expectations decided
 * @param expectations its expectations' results, in the file's order
 */
public record StepResult(String name, Outcome outcome, long startedAtMs, long endedAtMs,
                         List<ExpectationResult> expectations) {
    public StepResult {
        expectations = List.copyOf(expectations);
    }
}
