package io.sipfleet.simulator.scenario.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run came to: its verdict, every phase's results, the thresholds, the journal and what the end of the run
 * did to leave nothing behind.
 *
 * @param scenario    the scenario's name
 * @param description its description, or null
 * @param verdict     passed, failed, aborted or error
 * @param reason      why it is not passed (the first failure, the abort's reason, the error), or null
 * @param t1          the T1 the scenario's {@code T1} durations were read with
 * @param startedAtMs epoch ms
 * @param endedAtMs   epoch ms, after the rollbacks and the clean-up
 * @param phases      the steady state (before), every step (skipped ones too) and the steady state (after), in order
 * @param thresholds  the thresholds' results
 * @param rollbacks   each rollback action and what became of it ({@code ok} or the error)
 * @param cleanup     what the clean-up did (fleets deleted, faults removed, servers restored) and any problem
 * @param journal     every entry, in order
 */
public record RunReport(String scenario, String description, Verdict verdict, String reason, Duration t1,
                        long startedAtMs, long endedAtMs, List<StepResult> phases, List<ExpectationResult> thresholds,
                        List<String> rollbacks, List<String> cleanup, List<JournalEntry> journal) {
    public RunReport {
        phases = List.copyOf(phases);
        thresholds = List.copyOf(thresholds);
        rollbacks = List.copyOf(rollbacks);
        cleanup = List.copyOf(cleanup);
        journal = List.copyOf(journal);
    }

    /** Every expectation's result: the phases' in order, then the thresholds. */
    public List<ExpectationResult> results() {
        List<ExpectationResult> out = new ArrayList<>();
        phases.forEach(p -> out.addAll(p.expectations()));
        out.addAll(thresholds);
        return out;
    }

    public long durationMs() {
        return Math.max(0, endedAtMs - startedAtMs);
    }

    /** The results that did not pass or were skipped. */
    public List<ExpectationResult> failures() {
        return results().stream().filter(r -> r.outcome() == Outcome.FAILED || r.outcome() == Outcome.ERROR).toList();
    }
}
