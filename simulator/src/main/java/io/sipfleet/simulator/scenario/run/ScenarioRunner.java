package io.sipfleet.simulator.scenario.run;

import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.scenario.Action;
import io.sipfleet.simulator.scenario.Expectation;
import io.sipfleet.simulator.scenario.FleetDef;
import io.sipfleet.simulator.scenario.Scenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a parsed {@link Scenario} and gives its verdict and reports (issue 11, the runner): {@code clock: real} against
 * a running {@link Simulator} in real time ({@link SimulatorStage}), {@code clock: virtual} against the in-memory
 * server pair on the device model's virtual clock ({@link VirtualStage}); the phases, the expectations (one
 * {@link Observer}), the journal and the verdict are the same code for both. In order:
 * <ol>
 *   <li>the relays and fleets are made (the fleets' lines point at the scenario's servers);</li>
 *   <li>the steady state is checked (its {@code within} lets the fleets register); if it does not hold, no step
 *       runs;</li>
 *   <li>each step: its actions in order (a {@code wait} observes meanwhile), then its expectations until every timed
 *       one is decided, then its untimed ones; an {@code abortOnFail} step stops the run at its first failed
 *       expectation;</li>
 *   <li>the steady state again, then the thresholds over the whole run (both only when every step ran);</li>
 *   <li>always, whatever happened (failure, {@link #abort}, the scenario's {@code timeout}, an exception): the
 *       rollbacks, each on its own (one failing does not stop the next), then the clean-up: the faults the run
 *       added removed, every server's availability back to what it was before the run, its relays stopped and its
 *       fleets deleted (their phones unregistered). Nothing of the run is left behind.</li>
 * </ol>
 * Expectations are judged on what the phones keep current (line state, active server, call state: never waiting
 * for a phone), on the run's events (a listener on the simulator's event thread, completed from each phone's own
 * buffer when deciding) and on the simulator's overload watch. Times count from the start of the step (when its
 * first action is carried out) or of the {@code of} step; the steady state's from its own start; thresholds from the
 * run's start. {@link #progress()} and the {@link Listener} show the run as it goes. One run per runner.
 */
public final class ScenarioRunner {
    private static final System.Logger LOG = System.getLogger(ScenarioRunner.class.getName());

    /** Hears a run as it goes (a REST resource, MQTT): on the run's thread; must return quickly. */
    public interface Listener {
        Listener NONE = new Listener() {};

        default void onEntry(JournalEntry entry) {}

        /** Each event of the run's phones as it is recorded (real time: on the simulator's event thread). */
        default void onEvent(io.sipfleet.simulator.fleet.FleetEvent event) {}

        default void onFinished(RunReport report) {}
    }

    static final String BEFORE = "steady state (before)";
    static final String AFTER = "steady state (after)";

    private final Stage stage;
    private final Scenario scenario;
    private final Listener listener;
    private final Object lock = new Object();
    private final List<JournalEntry> journal = new ArrayList<>();
    private final List<ExpectationResult> decided = new ArrayList<>();
    private volatile String abortReason;
    private volatile boolean started;
    private volatile RunProgress.State state = RunProgress.State.PENDING;
    private volatile String phase;
    private volatile int stepIndex = -1;
    private volatile Verdict verdict;

    private final Map<String, Long> stepStarts = new LinkedHashMap<>();
    private final Map<Check, Long> lookedAt = new java.util.IdentityHashMap<>();
    private Observer observer;
    private long runStartMs;
    private long runDeadlineMs;
    private long tickMs;

    public ScenarioRunner(Simulator simulator, Scenario scenario) {
        this(simulator, scenario, Listener.NONE);
    }

    /**
     * A run of {@code scenario}: {@code clock: real} on {@code simulator}; {@code clock: virtual} in a virtual world
     * of its own ({@code simulator} is not used and may be null).
     *
     * @param simulator started, with the built-in servers the scenario uses (or the external ones reachable)
     */
    public ScenarioRunner(Simulator simulator, Scenario scenario, Listener listener) {
        this.scenario = java.util.Objects.requireNonNull(scenario, "scenario");
        this.listener = listener == null ? Listener.NONE : listener;
        this.stage = scenario.clock() == Scenario.ClockMode.VIRTUAL ? new VirtualStage(scenario)
                : new SimulatorStage(java.util.Objects.requireNonNull(simulator, "simulator"), scenario);
    }

    /** A run of a {@code clock: virtual} scenario: the device model's virtual clock and the in-memory server pair. */
    public static ScenarioRunner virtual(Scenario scenario, Listener listener) {
        if (scenario.clock() != Scenario.ClockMode.VIRTUAL) {
            throw new IllegalArgumentException("scenario " + scenario.metadata().name() + " is clock: "
                    + scenario.clock().wireName() + "; a virtual run needs clock: virtual");
        }
        return new ScenarioRunner(null, scenario, listener);
    }

    public Scenario scenario() {
        return scenario;
    }

    /**
     * Stops the run as soon as it can (within one observation period), with the rollbacks and the clean-up run as
     * always; the verdict is {@link Verdict#ABORTED}. From any thread; later calls do nothing.
     */
    public void abort(String reason) {
        synchronized (lock) {
            if (abortReason == null) {
                abortReason = reason == null || reason.isBlank() ? "aborted" : reason;
            }
            lock.notifyAll();
        }
    }

    /** Where the run is and what was decided so far; from any thread. */
    public RunProgress progress() {
        synchronized (lock) {
            return new RunProgress(scenario.metadata().name(), state, phase, stepIndex, scenario.steps().size(),
                    decided, verdict);
        }
    }

    /** The journal so far; from any thread. */
    public List<JournalEntry> journal() {
        synchronized (lock) {
            return List.copyOf(journal);
        }
    }

    // ============================================================================================ the run

    /** Thrown inside the run when it is aborted or timed out: caught by {@link #run()}. */
    private static final class Stop extends RuntimeException {
        Stop(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Runs the scenario on the calling thread, bounded by its {@code timeout} (plus the rollbacks and clean-up).
     *
     * @throws IllegalStateException when this runner ran already
     */
    public RunReport run() {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("a runner runs once");
            }
            started = true;
            state = RunProgress.State.RUNNING;
        }
        runStartMs = now();
        runDeadlineMs = runStartMs + scenario.timeout().toMillis();
        long t1 = scenario.t1().toMillis();
        int phones = scenario.fleets().stream().mapToInt(FleetDef::count).sum();
        tickMs = phones > 10_000 ? (scenario.clock() == Scenario.ClockMode.VIRTUAL ? 1000 : 100)
                : Math.max(5, Math.min(20, t1 / 5)); // virtual: each look walks every phone, and time is free
        List<StepResult> phases = new ArrayList<>();
        List<ExpectationResult> thresholds = new ArrayList<>();
        List<String> rollbackLog = new ArrayList<>();
        List<String> cleanupLog = new ArrayList<>();
        String reason = null;
        Verdict v = null;
        journal("run", null, "run of " + scenario.metadata().name() + " starts (T1 = " + t1 + " ms, timeout "
                + scenario.timeout().toSeconds() + " s)", Map.of("scenario", scenario.metadata().name(), "t1Ms", t1,
                "seed", scenario.seed()));
        int ran = 0;
        try {
            observer = stage.observer();
            stage.open(this::journal, listener);
            phase("fleets");
            stage.startRelays(this::journal);
            stage.createFleets(this::journal);
            StepResult before = phase(BEFORE, "steadyState", scenario.steadyState(), List.of(), false, null);
            phases.add(before);
            boolean go = before.outcome() == Outcome.PASSED;
            if (!go) {
                reason = "the steady state did not hold before the steps: " + firstProblem(before);
            }
            for (int i = 0; i < scenario.steps().size(); i++) {
                Scenario.Step step = scenario.steps().get(i);
                if (!go) {
                    phases.add(skipped(step, i, reason));
                    continue;
                }
                stepIndex = i;
                StepResult r = phase(step.name(), "steps[" + i + "]", step.expectations(), step.actions(),
                        scenario.abortsOnFail(step), step.name());
                phases.add(r);
                ran++;
                if (r.outcome() != Outcome.PASSED && scenario.abortsOnFail(step)) {
                    go = false;
                    reason = "step '" + step.name() + "' failed (abortOnFail): " + firstProblem(r);
                    journal("step", step.name(), "abortOnFail: the run stops here", Map.of());
                }
            }
            stepIndex = -1;
            if (go) {
                phases.add(phase(AFTER, "steadyState", scenario.steadyState(), List.of(), false, null));
                phase("thresholds");
                for (int i = 0; i < scenario.thresholds().size(); i++) {
                    Check c = Check.threshold("thresholds[" + i + "]", scenario.thresholds().get(i), runStartMs);
                    c.finish(now(), observer);
                    thresholds.add(record(c));
                }
            } else {
                phases.add(skippedSteady(reason));
                for (int i = 0; i < scenario.thresholds().size(); i++) {
                    Check c = Check.threshold("thresholds[" + i + "]", scenario.thresholds().get(i), runStartMs);
                    c.skip("the run stopped before its end: " + reason, now());
                    thresholds.add(c.result());
                }
            }
        } catch (Stop s) {
            v = Verdict.ABORTED;
            reason = s.getMessage();
            journal("run", phase, "aborted: " + reason, Map.of());
            completeSkipped(phases, ran, reason);
        } catch (RuntimeException | Error e) {
            v = Verdict.ERROR;
            reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "scenario " + scenario.metadata().name() + ": " + reason, e);
            journal("run", phase, "error: " + reason, Map.of("exception", e.getClass().getName()));
            completeSkipped(phases, ran, reason);
        } finally {
            try {
                stage.report(this::journal);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "scenario " + scenario.metadata().name() + ": no report", e);
            }
            state = RunProgress.State.ROLLING_BACK;
            rollbacks(rollbackLog);
            cleanup(cleanupLog);
            stage.close(cleanupLog);
        }
        if (v == null) {
            List<ExpectationResult> all = new ArrayList<>();
            phases.forEach(p -> all.addAll(p.expectations()));
            all.addAll(thresholds);
            boolean failed = all.stream().anyMatch(r -> r.outcome() == Outcome.FAILED);
            boolean error = all.stream().anyMatch(r -> r.outcome() == Outcome.ERROR);
            v = failed ? Verdict.FAILED : error ? Verdict.ERROR : Verdict.PASSED;
            if (v != Verdict.PASSED && reason == null) {
                ExpectationResult first = all.stream().filter(r -> r.outcome() == Outcome.FAILED
                        || r.outcome() == Outcome.ERROR).findFirst().orElseThrow();
                reason = first.phase() + ": " + first.text() + ": " + first.message();
            }
        }
        journal("verdict", null, v.wireName() + (reason == null ? "" : ": " + reason), Map.of("verdict",
                v.wireName()));
        RunReport report;
        synchronized (lock) {
            verdict = v;
            state = RunProgress.State.FINISHED;
            phase = null;
            report = new RunReport(scenario.metadata().name(), scenario.metadata().description(), v, reason,
                    scenario.t1(), runStartMs, now(), phases, thresholds, rollbackLog, cleanupLog, journal);
        }
        try {
            listener.onFinished(report);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "a run listener failed", e);
        }
        return report;
    }

    private static String firstProblem(StepResult r) {
        return r.expectations().stream().filter(e -> e.outcome() == Outcome.FAILED || e.outcome() == Outcome.ERROR)
                .findFirst().map(e -> e.text() + ": " + e.message()).orElse("an action failed");
    }

    private void completeSkipped(List<StepResult> phases, int ran, String reason) {
        // phases not reached are listed as skipped, so that reports name every expectation of the file
        boolean beforeDone = phases.stream().anyMatch(p -> p.name().equals(BEFORE));
        if (!beforeDone) {
            phases.add(skippedPhase(BEFORE, "steadyState", scenario.steadyState(), reason));
        }
        int stepsListed = (int) phases.stream().filter(p -> !p.name().equals(BEFORE) && !p.name().equals(AFTER))
                .count();
        for (int i = stepsListed; i < scenario.steps().size(); i++) {
            phases.add(skipped(scenario.steps().get(i), i, reason));
        }
        if (phases.stream().noneMatch(p -> p.name().equals(AFTER))) {
            phases.add(skippedSteady(reason));
        }
    }

    private StepResult skipped(Scenario.Step step, int i, String reason) {
        return skippedPhase(step.name(), "steps[" + i + "]", step.expectations(), reason);
    }

    private StepResult skippedSteady(String reason) {
        return skippedPhase(AFTER, "steadyState", scenario.steadyState(), reason);
    }

    private StepResult skippedPhase(String name, String path, List<Expectation> expectations, String reason) {
        List<ExpectationResult> out = new ArrayList<>();
        for (int j = 0; j < expectations.size(); j++) {
            Check c = Check.of(id(name, path, j), name, expectations.get(j), 0);
            c.skip("not run: " + reason, 0);
            out.add(c.result());
        }
        return new StepResult(name, Outcome.SKIPPED, 0, 0, out);
    }

    private static String id(String name, String path, int j) {
        return path.equals("steadyState") ? "steadyState[" + j + "]" + (name.equals(AFTER) ? "@after" : "@before")
                : path + ".expect[" + j + "]";
    }

    // ============================================================================================ a phase

    /**
     * One step (or a steady-state check): the actions in order, observing meanwhile, then the timed expectations
     * until decided, then the untimed ones.
     *
     * @param stepName the step's name for {@code of}, or null for the steady state
     */
    private StepResult phase(String name, String path, List<Expectation> expectations, List<Action> actions,
                             boolean abortOnFail, String stepName) {
        phase(name);
        long start = now();
        if (stepName != null) {
            stepStarts.put(stepName, start);
        }
        journal("step", name, "starts", Map.of("actions", actions.size(), "expectations", expectations.size()));
        List<Check> checks = new ArrayList<>();
        for (int j = 0; j < expectations.size(); j++) {
            Expectation e = expectations.get(j);
            long ref = e.of() == null ? start : stepStarts.getOrDefault(e.of(), start);
            checks.add(Check.of(id(name, path, j), name, e, ref));
        }
        boolean stopped = false;
        for (int a = 0; a < actions.size() && !stopped; a++) {
            Action act = actions.get(a);
            String where = path + ".action[" + a + "]";
            if (act instanceof Action.Wait w) {
                journal("action", name, Describe.action(act), Map.of("path", where));
                stopped = observe(checks, now() + w.duration().toMillis(), abortOnFail);
            } else {
                try {
                    String done = stage.perform(act);
                    journal("action", name, Describe.action(act) + (done.isEmpty() ? "" : ": " + done),
                            Map.of("path", where));
                } catch (RuntimeException e) {
                    journal("action", name, Describe.action(act) + " failed: " + e.getMessage(), Map.of("path", where));
                    throw new IllegalStateException(where + " " + Describe.action(act) + ": " + e.getMessage(), e);
                }
                stopped = observe(checks, now(), abortOnFail);
            }
        }
        if (!stopped) {
            stopped = observe(checks, -1, abortOnFail);
        }
        long end = now();
        for (Check c : checks) {
            if (stopped) {
                c.skip("the step stopped at its first failed expectation (abortOnFail)", end);
            } else if (!c.decided()) {
                c.finish(end, observer);
            }
        }
        List<ExpectationResult> results = new ArrayList<>();
        for (Check c : checks) {
            results.add(record(c));
        }
        observeFleets(name, start, end);
        Outcome o = results.stream().anyMatch(r -> r.outcome() == Outcome.FAILED) ? Outcome.FAILED
                : results.stream().anyMatch(r -> r.outcome() == Outcome.ERROR) ? Outcome.ERROR : Outcome.PASSED;
        journal("step", name, "ends: " + o.wireName(), Map.of("outcome", o.wireName(), "durationMs", end - start));
        return new StepResult(name, o, start, end, results);
    }

    /** Records a decided check once: in the progress and the journal. */
    private ExpectationResult record(Check c) {
        ExpectationResult r = c.result();
        synchronized (lock) {
            if (decided.stream().noneMatch(x -> x.id().equals(r.id()))) {
                decided.add(r);
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("id", r.id());
                data.put("outcome", r.outcome().wireName());
                data.put("measured", r.measured());
                if (r.missed() > 0) {
                    data.put("missed", r.missed());
                    data.put("phones", r.evidence().stream().map(PhoneEvidence::phone).toList());
                }
                addJournal(new JournalEntry(r.decidedAtMs() == 0 ? now() : r.decidedAtMs(), "expectation", r.phase(),
                        r.outcome().wireName() + " " + r.text() + ": " + r.measured(), data));
            }
        }
        return r;
    }

    /**
     * Observes the checks until {@code untilMs} (a wait; -1: until every timed check is decided), every tick and at
     * each deadline.
     *
     * @return whether an abortOnFail phase had a failure (it stops)
     * @throws Stop when the run is aborted or timed out
     */
    private boolean observe(List<Check> checks, long untilMs, boolean abortOnFail) {
        while (true) {
            stopIfAsked();
            long now = now();
            long changes = stage.changes();
            for (Check c : checks) {
                if (c.decided()) {
                    continue;
                }
                if (changes >= 0) {
                    // virtual time: nothing changed since this check last looked and no deadline passed: it cannot
                    // be decided now (hours of quiet cost nothing)
                    Long seen = lookedAt.put(c, changes);
                    if (seen != null && seen == changes && now < c.nextDueMs()) {
                        continue;
                    }
                }
                if (c.timed()) {
                    c.tick(now, observer);
                } else if (c instanceof Check.NoEventCheck n) {
                    n.poll(now, observer);
                }
                if (c.decided()) {
                    record(c);
                }
            }
            if (abortOnFail && checks.stream().anyMatch(c -> c.outcome() == Outcome.FAILED
                    || c.outcome() == Outcome.ERROR)) {
                return true;
            }
            long next;
            if (untilMs >= 0) {
                if (now >= untilMs) {
                    return false;
                }
                next = Math.min(untilMs, now + tickMs);
            } else {
                if (checks.stream().noneMatch(c -> c.timed() && !c.decided())) {
                    return false;
                }
                next = now + tickMs;
            }
            for (Check c : checks) {
                if (c.timed() && !c.decided()) {
                    next = Math.min(next, Math.max(now + 1, c.nextDueMs()));
                }
            }
            pauseUntil(Math.min(next, runDeadlineMs));
        }
    }

    private void stopIfAsked() {
        if (abortReason != null) {
            throw new Stop(abortReason);
        }
        if (now() >= runDeadlineMs) {
            throw new Stop("timeout: the run took longer than " + scenario.timeout().toSeconds() + " s");
        }
    }

    private void pauseUntil(long atMs) {
        try {
            stage.pauseUntil(atMs, lock, () -> abortReason != null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (lock) {
                if (abortReason == null) {
                    abortReason = "interrupted";
                }
            }
        }
    }

    /**
     * A journal line per fleet at the end of a phase: its counts, the phase's events by type, and when (ms since the
     * phase's start) the first and the last of each type came, and the last registration on each server: "when is
     * the last phone on the backup", "when does the last phone fail back".
     */
    private void observeFleets(String name, long start, long end) {
        for (String f : stage.fleets()) {
            Fleet.Summary s = stage.summary(f);
            if (s == null) {
                continue;
            }
            Map<String, Integer> byType = new TreeMap<>();
            Map<String, Long> firstAt = new TreeMap<>();
            Map<String, Long> lastAt = new TreeMap<>();
            Map<String, Long> lastRegisteredOn = new TreeMap<>();
            for (RunPhone h : observer.phones(f)) {
                for (FleetEvent e : observer.events(h, false)) {
                    long at = e.event().at();
                    if (at >= start && at <= end) {
                        String type = e.event().type();
                        byType.merge(type, 1, Integer::sum);
                        firstAt.merge(type, at - start, Math::min);
                        lastAt.merge(type, at - start, Math::max);
                        if (e.event() instanceof io.sipfleet.device.event.PhoneEvent.Registered) {
                            for (String role : Describe.roles(e.event())) {
                                lastRegisteredOn.merge(role, at - start, Math::max);
                            }
                        }
                    }
                }
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("fleet", f);
            data.put("byState", s.byState());
            data.put("byActiveServer", s.byActiveServer());
            data.put("callsInProgress", s.callsInProgress());
            data.put("events", byType);
            data.put("firstAtMs", firstAt);
            data.put("lastAtMs", lastAt);
            data.put("lastRegisteredOnMs", lastRegisteredOn);
            StringBuilder last = new StringBuilder();
            lastRegisteredOn.forEach((role, t) -> last.append(", last registered on ").append(role).append(" at +")
                    .append(t).append("ms"));
            for (String type : List.of("failover", "failback")) {
                if (lastAt.containsKey(type)) {
                    last.append(", last ").append(type).append(" at +").append(lastAt.get(type)).append("ms");
                }
            }
            journal("observation", name, "fleet " + f + ": " + s.byState() + ", on " + s.byActiveServer()
                    + ", events " + byType + last, data);
        }
    }

    // ============================================================================================ the end

    /** Every rollback, each on its own: one that fails is recorded and the next still runs. */
    private void rollbacks(List<String> log) {
        phase("rollbacks");
        for (int i = 0; i < scenario.rollbacks().size(); i++) {
            Action a = scenario.rollbacks().get(i);
            String where = "rollbacks[" + i + "]";
            String line;
            try {
                if (a instanceof Action.Wait w) {
                    stage.pauseUntil(now() + w.duration().toMillis(), lock, () -> false);
                    line = Describe.action(a) + ": ok";
                } else {
                    line = Describe.action(a) + ": " + stage.perform(a);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                line = Describe.action(a) + ": interrupted";
            } catch (RuntimeException e) {
                line = Describe.action(a) + ": failed: " + e.getMessage();
            }
            log.add(line);
            journal("rollback", "rollbacks", line, Map.of("path", where));
        }
    }

    /** Leaves nothing of the run behind (the stage knows what it made), each line in the journal. */
    private void cleanup(List<String> log) {
        phase("cleanup");
        stage.cleanup(log);
        for (String line : log) {
            journal("cleanup", "cleanup", line, Map.of());
        }
    }

    // ============================================================================================ journal

    private void phase(String name) {
        synchronized (lock) {
            phase = name;
        }
    }

    private void journal(String kind, String phaseName, String text, Map<String, Object> data) {
        synchronized (lock) {
            addJournal(new JournalEntry(now(), kind, phaseName, text, data));
        }
    }

    private void addJournal(JournalEntry e) {
        journal.add(e);
        try {
            listener.onEntry(e);
        } catch (RuntimeException x) {
            LOG.log(System.Logger.Level.WARNING, "a run listener failed", x);
        }
    }

    private long now() {
        return stage.now();
    }
}
