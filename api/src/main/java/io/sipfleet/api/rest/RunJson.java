package io.sipfleet.api.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sipfleet.simulator.scenario.run.ExpectationResult;
import io.sipfleet.simulator.scenario.run.PhoneEvidence;
import io.sipfleet.simulator.scenario.run.Run;
import io.sipfleet.simulator.scenario.run.RunProgress;
import io.sipfleet.simulator.scenario.run.RunReport;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A run as {@code GET /api/runs/{id}} gives it: where it is (state, phase, step) and every expectation decided so
 * far with its measured figure; once finished, the verdict, its exit code, the reason, every expectation's result
 * (skipped ones too), the rollbacks and the clean-up, and where the reports are.
 *
 * @param state   {@code pending}, {@code running}, {@code rolling-back} (rollbacks and clean-up), {@code finished}
 * @param verdict once finished: {@code passed}, {@code failed}, {@code aborted}, {@code error}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunJson(String id, String scenario, String description, String state, String phase, Step step,
                      int stepsTotal, String startedAt, String endedAt, Long durationMs, Boolean abortRequested,
                      String verdict, Integer exitCode, String reason, List<Result> results, List<String> rollbacks,
                      List<String> cleanup, Map<String, String> reports) {

    /** The step running now: its index in the file (from 0) and name. */
    public record Step(int index, String name) {}

    /** One expectation's result, with the field names of the JSON journal. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(String id, String phase, String expectation, String outcome, String measured, String message,
                         String decidedAt, Long elapsedMs, Integer missed, List<Evidence> evidence) {
        static Result of(ExpectationResult r) {
            return new Result(r.id(), r.phase(), r.text(), r.outcome().wireName(), r.measured(), r.message(),
                    r.decidedAtMs() > 0 ? Instant.ofEpochMilli(r.decidedAtMs()).toString() : null,
                    r.decidedAtMs() > 0 ? r.elapsedMs() : null, r.missed() > 0 ? r.missed() : null,
                    r.missed() > 0 ? r.evidence().stream().map(Evidence::of).toList() : null);
        }
    }

    /** A phone that missed: what it showed and its last events (timed from the expectation's start). */
    public record Evidence(String phone, String state, List<String> lastEvents) {
        static Evidence of(PhoneEvidence p) {
            return new Evidence(p.phone(), p.state(), p.lastEvents());
        }
    }

    /** A short line for {@code GET /api/runs}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Summary(String id, String scenario, String state, String phase, String startedAt, String verdict,
                          Integer exitCode) {
        public static Summary of(Run run) {
            RunProgress p = run.progress();
            RunReport r = run.report().orElse(null);
            return new Summary(run.id(), run.scenario().metadata().name(), p.state().wireName(), p.phase(),
                    Instant.ofEpochMilli(run.startedAtMs()).toString(),
                    r == null ? null : r.verdict().wireName(), r == null ? null : r.verdict().exitCode());
        }
    }

    public static RunJson of(Run run) {
        RunProgress p = run.progress();
        RunReport r = run.report().orElse(null);
        var meta = run.scenario().metadata();
        Step step = p.stepIndex() >= 0 && p.stepIndex() < run.scenario().steps().size()
                ? new Step(p.stepIndex(), run.scenario().steps().get(p.stepIndex()).name()) : null;
        String startedAt = Instant.ofEpochMilli(run.startedAtMs()).toString();
        if (r == null) {
            return new RunJson(run.id(), meta.name(), meta.description(), p.state().wireName(), p.phase(), step,
                    p.stepsTotal(), startedAt, null, System.currentTimeMillis() - run.startedAtMs(),
                    run.abortRequested() ? true : null, null, null, null,
                    p.results().stream().map(Result::of).toList(), null, null, null);
        }
        String base = "/api/runs/" + run.id();
        return new RunJson(run.id(), meta.name(), meta.description(), p.state().wireName(), null, null, p.stepsTotal(),
                startedAt, Instant.ofEpochMilli(r.endedAtMs()).toString(), r.durationMs(),
                run.abortRequested() ? true : null, r.verdict().wireName(), r.verdict().exitCode(), r.reason(),
                r.results().stream().map(Result::of).toList(), r.rollbacks(), r.cleanup(),
                Map.of("junit", base + "/junit", "journal", base + "/journal"));
    }
}
