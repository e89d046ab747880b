package io.sipfleet.simulator.scenario.run;

import io.sipfleet.device.Key;
import io.sipfleet.device.Outputs;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.Transport;
import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Fault;
import io.sipfleet.faults.FaultSpec;
import io.sipfleet.faults.PhoneSelector;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.builtin.BuiltinServer;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.fleet.ObservablePhone;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.relay.ObservedPhone;
import io.sipfleet.simulator.relay.ObservedPhones;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.scenario.Action;
import io.sipfleet.simulator.scenario.Expectation;
import io.sipfleet.simulator.scenario.FleetDef;
import io.sipfleet.simulator.scenario.Scenario;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a parsed {@link Scenario} against a running {@link Simulator} in real time and gives its verdict and
 * reports (issue 11, the runner). In order:
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

        default void onFinished(RunReport report) {}
    }

    static final String BEFORE = "steady state (before)";
    static final String AFTER = "steady state (after)";

    private final Simulator sim;
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

    // what the run made, to undo
    private final Map<String, String> faultIds = new LinkedHashMap<>();
    private final List<String> addedFaults = new ArrayList<>();
    private final List<String> relays = new ArrayList<>();
    private final List<String> fleets = new ArrayList<>();
    private final Map<String, Mode> builtinModes = new LinkedHashMap<>();
    private final Map<String, String> externalModes = new LinkedHashMap<>();
    private final Map<String, Long> stepStarts = new LinkedHashMap<>();
    private EventRecorder recorder;
    private long runStartMs;
    private long runDeadlineMs;
    private long tickMs;

    public ScenarioRunner(Simulator simulator, Scenario scenario) {
        this(simulator, scenario, Listener.NONE);
    }

    /** @param simulator started, with the built-in servers the scenario uses (or the external ones reachable) */
    public ScenarioRunner(Simulator simulator, Scenario scenario, Listener listener) {
        this.sim = java.util.Objects.requireNonNull(simulator, "simulator");
        this.scenario = java.util.Objects.requireNonNull(scenario, "scenario");
        this.listener = listener == null ? Listener.NONE : listener;
        if (simulator.fleets() == null) {
            throw new IllegalStateException("the simulator is not started");
        }
        if (scenario.clock() != Scenario.ClockMode.REAL) {
            throw new IllegalArgumentException("clock: virtual is not run yet (issue 11, virtual-time mode): "
                    + "this runner runs clock: real");
        }
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
        tickMs = phones > 10_000 ? 100 : Math.max(5, Math.min(20, t1 / 5));
        List<StepResult> phases = new ArrayList<>();
        List<ExpectationResult> thresholds = new ArrayList<>();
        List<String> rollbackLog = new ArrayList<>();
        List<String> cleanupLog = new ArrayList<>();
        String reason = null;
        Verdict v = null;
        AutoCloseable listening = null;
        journal("run", null, "run of " + scenario.metadata().name() + " starts (T1 = " + t1 + " ms, timeout "
                + scenario.timeout().toSeconds() + " s)", Map.of("scenario", scenario.metadata().name(), "t1Ms", t1,
                "seed", scenario.seed()));
        int ran = 0;
        try {
            remember();
            recorder = new EventRecorder(scenario.fleets().stream().map(FleetDef::name).collect(
                    java.util.stream.Collectors.toSet()));
            listening = sim.listen(recorder);
            phase("fleets");
            startRelays();
            createFleets();
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
            state = RunProgress.State.ROLLING_BACK;
            rollbacks(rollbackLog);
            cleanup(cleanupLog);
            if (listening != null) {
                try {
                    listening.close();
                } catch (Exception e) {
                    cleanupLog.add("listener not removed: " + e);
                }
            }
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
                    String done = perform(act);
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
            for (Check c : checks) {
                if (c.decided()) {
                    continue;
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
        synchronized (lock) {
            long left;
            while (abortReason == null && (left = atMs - now()) > 0) {
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    abortReason = "interrupted";
                }
            }
        }
    }

    /** A journal line per fleet at the end of a phase: its counts and the events of the phase by type. */
    private void observeFleets(String name, long start, long end) {
        for (String f : fleets) {
            sim.fleets().fleet(f).ifPresent(fleet -> {
                Fleet.Summary s = fleet.summary();
                Map<String, Integer> byType = new TreeMap<>();
                for (PhoneHandle h : fleet.phones()) {
                    for (FleetEvent e : recorder.events(h.id())) {
                        if (e.event().at() >= start && e.event().at() <= end) {
                            byType.merge(e.event().type(), 1, Integer::sum);
                        }
                    }
                }
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("fleet", f);
                data.put("byState", s.byState());
                data.put("byActiveServer", s.byActiveServer());
                data.put("callsInProgress", s.callsInProgress());
                data.put("events", byType);
                journal("observation", name, "fleet " + f + ": " + s.byState() + ", on " + s.byActiveServer()
                        + ", events " + byType, data);
            });
        }
        for (String r : relays) {
            observeRelayFleet(name, ObservedPhones.fleetOf(r), start, end);
        }
    }

    /** The same journal line for the real phones behind one of the run's relays, as observed on the wire. */
    private void observeRelayFleet(String name, String fleet, long start, long end) {
        Map<String, Integer> byState = new TreeMap<>();
        Map<String, Integer> byServer = new TreeMap<>();
        Map<String, Integer> byType = new TreeMap<>();
        for (ObservedPhone p : observed(fleet)) {
            var b = p.brief();
            byState.merge(b.state().name(), 1, Integer::sum);
            if (b.activeServer() != null) {
                byServer.merge(b.activeServer(), 1, Integer::sum);
            }
            for (FleetEvent e : p.events(start)) {
                if (e.event().at() <= end) {
                    byType.merge(e.event().type(), 1, Integer::sum);
                }
            }
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("fleet", fleet);
        data.put("observed", true);
        data.put("byState", byState);
        data.put("byActiveServer", byServer);
        data.put("events", byType);
        journal("observation", name, "fleet " + fleet + " (observed on the wire): " + byState + ", on " + byServer
                + ", events " + byType, data);
    }

    // ============================================================================================ observing

    private final Observer observer = new Observer() {
        @Override
        public List<ObservablePhone> phones(Expectation.Subject subject) {
            if (subject.phone() != null) {
                Optional<? extends ObservablePhone> own = sim.fleets().phone(subject.phone());
                if (own.isPresent()) {
                    return List.of(own.get());
                }
                return observed(null).stream().filter(p -> p.id().equals(subject.phone()))
                        .map(ObservablePhone.class::cast).toList();
            }
            return phones(subject.fleet());
        }

        @Override
        public List<ObservablePhone> phones(String fleet) {
            if (fleet != null && relayFleet(fleet)) {
                return List.copyOf(observed(fleet));
            }
            if (fleet != null) {
                return sim.fleets().fleet(fleet).filter(f -> fleets.contains(f.name()))
                        .<List<ObservablePhone>>map(f -> List.copyOf(f.phones())).orElse(List.of());
            }
            List<ObservablePhone> out = new ArrayList<>();
            for (String f : fleets) {
                sim.fleets().fleet(f).ifPresent(x -> out.addAll(x.phones()));
            }
            out.addAll(observed(null));
            return out;
        }

        @Override
        public List<FleetEvent> events(ObservablePhone phone, boolean exact) {
            if (phone instanceof ObservedPhone o) {
                return o.events(runStartMs); // kept by the phone itself, as the relay decided each message
            }
            PhoneHandle h = (PhoneHandle) phone;
            return exact ? recorder.events(h.id(), h.events(runStartMs)) : recorder.events(h.id());
        }

        @Override
        public OverloadMonitor overload() {
            return sim.overload();
        }

        @Override
        public String unobservable(Expectation.Subject subject) {
            return null; // the phones behind the run's relays are observed on the wire (ObservedPhones)
        }
    };

    /** Whether {@code fleet} is one of this run's relays' ({@code relay:{name}}). */
    private boolean relayFleet(String fleet) {
        return relays.stream().anyMatch(r -> ObservedPhones.fleetOf(r).equals(fleet));
    }

    /** The phones observed behind this run's relays: those of one relay fleet, or of all of them (null). */
    private List<ObservedPhone> observed(String fleet) {
        var all = sim.observedPhones();
        if (all.isEmpty()) {
            return List.of();
        }
        List<ObservedPhone> out = new ArrayList<>();
        for (ObservedPhone p : all.get().fleet(fleet)) {
            if (relays.stream().anyMatch(r -> p.inFleet(ObservedPhones.fleetOf(r)))) {
                out.add(p);
            }
        }
        return out;
    }

    // ============================================================================================ setting up

    /** What the servers are before the run, to put them back at its end. */
    private void remember() {
        sim.builtin().ifPresent(g -> g.servers().forEach(s -> builtinModes.put(s.name(), s.mode())));
        for (Scenario.ServerDef d : scenario.servers().all()) {
            if (!d.builtin()) {
                externalModes.put(d.address(), sim.resolveServer(d.address()).map(sim::externalMode).orElse("up"));
            }
        }
    }

    private void startRelays() {
        for (Scenario.Relay r : scenario.relays()) {
            int colon = r.listen().lastIndexOf(':');
            String host = r.listen().substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(r.listen().substring(colon + 1));
            String upstream = scenario.servers().byRole(r.upstream()) != null ? serverName(r.upstream()) : r.upstream();
            try {
                var relay = sim.startRelay(r.name(), host, port, upstream);
                relays.add(r.name());
                journal("relay", "fleets", "relay " + r.name() + " listens on " + relay.listenAddress() + " for "
                        + upstream, Map.of("relay", r.name()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("relay " + r.name() + ": " + e.getMessage(), e);
            }
        }
    }

    private void createFleets() {
        for (FleetDef f : scenario.fleets()) {
            LineConfig.Builder line = f.line().applyTo(LineConfig.builder());
            List<String> roles = f.servers();
            for (int i = 0; i < roles.size() && i < 2; i++) {
                Transport t = i == 0 ? f.line().transport() : f.line().backupTransport();
                String[] hp = address(roles.get(i), t);
                if (i == 0) {
                    line.registerAddr(hp[0]).registerPort(Integer.parseInt(hp[1]));
                } else {
                    line.backupAddr(hp[0]).backupPort(Integer.parseInt(hp[1]));
                }
            }
            FleetSpec spec = new FleetSpec(f.name(), f.model(), f.count(), f.firstUser(), f.password(),
                    f.authUser() == null ? "" : f.authUser(), f.rampPerSecond(), f.autoAnswer(),
                    Math.round(f.autoAnswerDelay() * 1000), line);
            Fleet fleet = sim.fleets().create(spec);
            fleets.add(fleet.name());
            journal("fleet", "fleets", "fleet " + f.name() + ": " + f.count() + " " + f.model().name() + " phones on "
                    + roles, Map.of("fleet", f.name(), "count", f.count(), "servers", roles));
        }
    }

    /** Host and port of a role's server for a line with transport {@code t} (the built-in TLS port for TLS). */
    private String[] address(String role, Transport t) {
        Scenario.ServerDef d = scenario.servers().byRole(role);
        if (d == null || d.builtin()) {
            BuiltinServer s = sim.builtinServer(role).orElseThrow(() -> new IllegalStateException(
                    "the scenario uses the built-in " + role + " server, and the simulator runs none"));
            return new String[] {s.host(), Integer.toString(t == Transport.TLS ? s.tlsPort() : s.port())};
        }
        return new String[] {d.host(), Integer.toString(d.port())};
    }

    /** The name the simulator knows a role's server by: the built-in server's name, or host:port. */
    private String serverName(String role) {
        Scenario.ServerDef d = scenario.servers().byRole(role);
        if (d == null) {
            return role; // a host:port given as it is
        }
        if (d.builtin()) {
            sim.builtinServer(role).orElseThrow(() -> new IllegalStateException("the scenario uses the built-in "
                    + role + " server, and the simulator runs none"));
            return role;
        }
        return d.address();
    }

    // ============================================================================================ actions

    /** Carries an action out. @return what it did, for the journal */
    private String perform(Action a) {
        if (a instanceof Action.SetAvailability s) {
            var r = sim.availability(serverName(s.server()), Mode.parse(s.mode()));
            return r.name() + " (" + r.address() + ") is " + r.mode();
        }
        if (a instanceof Action.AddFault f) {
            Fault fault = sim.addFault(faultSpec(f.fault()));
            addedFaults.add(fault.id());
            if (f.fault().name() != null) {
                faultIds.put(f.fault().name(), fault.id());
            }
            return "fault " + fault.id() + " on " + (fault.server() == null ? "every server" : fault.server());
        }
        if (a instanceof Action.RemoveFault r) {
            String id = faultIds.getOrDefault(r.name(), r.name());
            return sim.removeFault(id) ? "fault " + id + " removed" : "fault " + id + " was not there";
        }
        if (a instanceof Action.Hook h) {
            Outputs.Hook state = "off".equals(h.state()) ? Outputs.Hook.OFF : Outputs.Hook.ON;
            return each(h.target(), p -> p.hook(state), 1);
        }
        if (a instanceof Action.Keys k) {
            List<Key> keys = Key.parseAll(k.keys(), "keys");
            return each(k.target(), p -> p.press(keys), 2);
        }
        if (a instanceof Action.Register r) {
            int n = r.line();
            return each(r.target(), p -> p.register(n), 2);
        }
        throw new IllegalArgumentException("not an action to carry out here: " + a);
    }

    /** On one phone, or on every phone of a fleet paced as the REST fleet commands are. */
    private String each(Action.Target t, Consumer<io.sipfleet.device.Phone> action, int transactionsPerPhone) {
        if (t.phone() != null) {
            PhoneHandle h = sim.fleets().phone(t.phone()).orElseThrow(() -> new IllegalArgumentException(
                    "no phone " + t.phone() + " (a relay's clients cannot be driven)"));
            h.command(action);
            return "phone " + h.id();
        }
        Fleet f = sim.fleets().fleet(t.fleet()).filter(x -> fleets.contains(x.name()))
                .orElseThrow(() -> new IllegalArgumentException("no fleet " + t.fleet() + " of this run"));
        sim.fleets().forEachPaced(f, action, transactionsPerPhone);
        return f.phones().size() + " phones of " + f.name();
    }

    private FaultSpec faultSpec(Action.FaultDef d) {
        String target = d.target() == null ? null
                : scenario.servers().byRole(d.target()) != null ? serverName(d.target()) : d.target();
        Set<String> methods = d.methods() == null ? null : new LinkedHashSet<>(d.methods().stream()
                .map(m -> m.toUpperCase(Locale.ROOT)).toList());
        Direction direction = d.direction() == null ? null : Direction.parse(d.direction()).orElseThrow(() ->
                new IllegalArgumentException("unknown direction " + d.direction()));
        return new FaultSpec(d.name(), d.type(), target, phones(d.phones()), methods, direction, d.probability(),
                d.params(), d.startDelaySeconds() == null ? null : Math.round(d.startDelaySeconds() * 1000),
                d.durationSeconds() == null ? null : Math.round(d.durationSeconds() * 1000));
    }

    /** A fault's {@code phones} as the parser keeps it ("all" or a one-key map) as a selector. */
    static PhoneSelector phones(Object v) {
        if (v == null || "all".equals(v)) {
            return null;
        }
        if (v instanceof Map<?, ?> m) {
            if (m.get("fleet") instanceof String f) {
                return new PhoneSelector.Fleet(f);
            }
            if (m.get("model") instanceof String model) {
                return new PhoneSelector.Model(model);
            }
            if (m.get("ids") instanceof List<?> ids) {
                Set<String> out = new HashSet<>();
                ids.forEach(x -> out.add(String.valueOf(x)));
                return new PhoneSelector.Ids(out);
            }
            if (m.get("sample") instanceof Number pct) {
                Object seed = m.get("seed");
                return new PhoneSelector.Sample(pct.doubleValue(), seed instanceof Number n ? n.longValue() : 0);
            }
        }
        throw new IllegalArgumentException("phones: " + v + " is not a phone selector");
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
                    long until = now() + w.duration().toMillis();
                    synchronized (lock) {
                        long left;
                        while ((left = until - now()) > 0) {
                            lock.wait(left);
                        }
                    }
                    line = Describe.action(a) + ": ok";
                } else {
                    line = Describe.action(a) + ": " + perform(a);
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

    /** Leaves nothing of the run behind: its faults, the servers' availability, its relays, its fleets. */
    private void cleanup(List<String> log) {
        phase("cleanup");
        for (String id : addedFaults) {
            try {
                if (sim.removeFault(id)) {
                    log.add("fault " + id + " removed");
                }
            } catch (RuntimeException e) {
                log.add("fault " + id + " not removed: " + e.getMessage());
            }
        }
        builtinModes.forEach((name, mode) -> sim.builtinServer(name).ifPresent(s -> {
            if (s.mode() != mode) {
                try {
                    sim.availability(name, mode);
                    log.add("server " + name + " back to " + mode.apiName());
                } catch (RuntimeException e) {
                    log.add("server " + name + " not set back to " + mode.apiName() + ": " + e.getMessage());
                }
            }
        }));
        externalModes.forEach((address, mode) -> {
            try {
                String now = sim.resolveServer(address).map(sim::externalMode).orElse("up");
                if (!now.equals(mode)) {
                    sim.externalAvailability(address, mode);
                    log.add("server " + address + " back to " + mode);
                }
            } catch (RuntimeException e) {
                log.add("server " + address + " not set back to " + mode + ": " + e.getMessage());
            }
        });
        for (String r : relays) {
            if (sim.stopRelay(r)) {
                log.add("relay " + r + " stopped");
            }
        }
        List<CompletableFuture<Void>> gone = new ArrayList<>();
        for (String f : fleets) {
            sim.fleets().delete(f).ifPresent(gone::add);
        }
        try {
            CompletableFuture.allOf(gone.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            fleets.forEach(f -> log.add("fleet " + f + " deleted"));
        } catch (Exception e) {
            log.add("fleets " + fleets + " not all deleted within 60 s: " + e);
        }
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

    private static long now() {
        return System.currentTimeMillis();
    }
}
