package io.sipfleet.simulator.scenario.run;

import io.sipfleet.simulator.scenario.Scenario;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One run of {@link Runs}: its id, the scenario, where it is ({@link #progress()}) and, once finished, its
 * {@link RunReport}. Thread-safe.
 */
public final class Run {
    private final String id;
    private final Scenario scenario;
    private final ScenarioRunner runner;
    private final long startedAtMs;
    private final CompletableFuture<RunReport> done = new CompletableFuture<>();
    private volatile String abortedBy;

    Run(String id, Scenario scenario, ScenarioRunner runner, long startedAtMs) {
        this.id = id;
        this.scenario = scenario;
        this.runner = runner;
        this.startedAtMs = startedAtMs;
    }

    public String id() {
        return id;
    }

    public Scenario scenario() {
        return scenario;
    }

    /** When it was started (epoch ms). */
    public long startedAtMs() {
        return startedAtMs;
    }

    /** Where the run is and what was decided so far. */
    public RunProgress progress() {
        return runner.progress();
    }

    /** The journal so far. */
    public java.util.List<JournalEntry> journal() {
        return runner.journal();
    }

    /** Whether it has finished: verdict given, rollbacks and clean-up done. */
    public boolean finished() {
        return done.isDone();
    }

    /** The report once finished. */
    public Optional<RunReport> report() {
        return done.isDone() && !done.isCompletedExceptionally() ? Optional.of(done.join()) : Optional.empty();
    }

    /** Completes with the report when the run has finished (after its rollbacks and clean-up). */
    public CompletableFuture<RunReport> whenFinished() {
        return done.copy();
    }

    /** Whether {@link #abort} was asked for (the run may still be rolling back). */
    public boolean abortRequested() {
        return abortedBy != null;
    }

    /**
     * Stops the run as soon as it can; its rollbacks and clean-up run as always and its verdict is aborted. Does
     * nothing once it has finished. Returns at once: {@link #whenFinished()} tells when it is done.
     */
    public void abort(String reason) {
        if (!finished()) {
            abortedBy = reason;
            runner.abort(reason);
        }
    }

    /** On the run's own thread. */
    RunReport execute() {
        RunReport r;
        try {
            r = runner.run();
        } catch (RuntimeException | Error e) {
            done.completeExceptionally(e);
            throw e;
        }
        done.complete(r);
        return r;
    }

    @Override
    public String toString() {
        return "run " + id + " (" + scenario.metadata().name() + ")";
    }
}
