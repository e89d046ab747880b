package io.sipfleet.simulator.scenario.run;

import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.scenario.Durations;
import io.sipfleet.simulator.scenario.Expectation;
import io.sipfleet.simulator.scenario.Expectation.PhoneCount;
import io.sipfleet.simulator.scenario.Expectation.Timing;
import java.util.ArrayList;
import java.util.List;

/**
 * One expectation being judged: made when its phase starts, ticked while the phase runs, decided once. Modes
 * (README "Scenario files"): {@code within: D} passes as soon as it holds and fails if it has not by D;
 * {@code at: D} is checked once, D after its start (an event: its instant within D ± tolerance); {@code for: D}
 * must hold at every observation from its start to D; without a mode it is checked once when the phase's actions
 * are done and its timed expectations decided ({@code noEvent}: over that whole phase). Times count from
 * {@link #startMs} (the phase's start or the {@code of} step's). Not thread-safe: the runner's thread only.
 */
abstract class Check {
    /** Phones listed as evidence at most (the report says how many missed in all). */
    static final int MAX_EVIDENCE = 10;
    /** Events listed per phone in the evidence. */
    static final int LAST_EVENTS = 6;
    /**
     * How long past an event's deadline its decision waits: an event is emitted on the phone's shard as it
     * happens; this covers a shard a few milliseconds late.
     */
    static final long EVENT_GRACE_MS = 20;

    final String id;
    final String phase;
    final Expectation expectation;
    final String text;
    final long startMs;
    private Outcome outcome;
    private String measured = "";
    private String message;
    private List<PhoneEvidence> evidence = List.of();
    private int missed;
    private long decidedAtMs;

    Check(String id, String phase, Expectation expectation, String text, long startMs) {
        this.id = id;
        this.phase = phase;
        this.expectation = expectation;
        this.text = text;
        this.startMs = startMs;
    }

    static Check of(String id, String phase, Expectation e, long startMs) {
        String text = Describe.expectation(e);
        if (e instanceof Expectation.PhonesState s) {
            return new StateCheck(id, phase, s, text, startMs);
        }
        if (e instanceof Expectation.EventSeen s) {
            return new EventCheck(id, phase, s, text, startMs);
        }
        if (e instanceof Expectation.NoEvent s) {
            return new NoEventCheck(id, phase, s, text, startMs);
        }
        return new MetricCheck(id, phase, (Expectation.MetricCheck) e, text, startMs);
    }

    /** A threshold: a metric over the whole run, judged once at its end. */
    static Check threshold(String id, io.sipfleet.simulator.scenario.Scenario.Threshold t, long runStartMs) {
        var e = new Expectation.MetricCheck(t.metric(), t.fleet(), null, null);
        String text = t.metric().text() + (t.fleet() == null ? "" : " (fleet " + t.fleet() + ")");
        return new MetricCheck(id, "thresholds", e, text, runStartMs);
    }

    Timing timing() {
        return expectation.timing();
    }

    boolean timed() {
        return timing() != null;
    }

    boolean decided() {
        return outcome != null;
    }

    Outcome outcome() {
        return outcome;
    }

    /** When the next tick must come at the latest (the deadline, plus a grace for events), or Long.MAX_VALUE. */
    long nextDueMs() {
        return timed() ? startMs + timing().duration().toMillis() + grace() : Long.MAX_VALUE;
    }

    long grace() {
        return 0;
    }

    /** An observation while the phase runs (timed checks only). */
    abstract void tick(long nowMs, Observer obs);

    /** The decision of an untimed check, when the phase's actions and timed checks are done. */
    abstract void finish(long nowMs, Observer obs);

    /** Decided without being judged (the run stopped first). */
    void skip(String why, long nowMs) {
        if (!decided()) {
            decide(Outcome.SKIPPED, "not judged", why, List.of(), 0, nowMs);
        }
    }

    /** The subject cannot be observed: an error, at once. @return whether it was */
    boolean unobservable(Observer obs, Expectation.Subject subject, long nowMs) {
        String why = subject == null ? null : obs.unobservable(subject);
        if (why != null) {
            decide(Outcome.ERROR, "not observable", why, List.of(), 0, nowMs);
            return true;
        }
        return false;
    }

    final void decide(Outcome o, String measured, String message, List<PhoneEvidence> evidence, int missed, long nowMs) {
        this.outcome = o;
        this.measured = measured;
        this.message = message;
        this.evidence = List.copyOf(evidence);
        this.missed = missed;
        this.decidedAtMs = nowMs;
    }

    ExpectationResult result() {
        return new ExpectationResult(id, phase, text, outcome == null ? Outcome.SKIPPED : outcome, measured, message,
                evidence, missed, startMs, decidedAtMs);
    }

    String rel(long atMs) {
        long d = atMs - startMs;
        return (d >= 0 ? "+" : "") + d + "ms";
    }

    String window() {
        return Durations.format(timing().duration());
    }

    /** The first phones of {@code missed} with what they show and their last events. */
    List<PhoneEvidence> evidence(List<RunPhone> missedPhones, Observer obs) {
        List<PhoneEvidence> out = new ArrayList<>();
        for (RunPhone h : missedPhones) {
            if (out.size() == MAX_EVIDENCE) {
                break;
            }
            var b = h.brief();
            String state = Describe.lower(b.state()) + (b.activeServer() == null ? "" : " on " + b.activeServer())
                    + ", call " + (b.callState() == null ? "idle" : Describe.lower(b.callState()));
            List<FleetEvent> events = obs.events(h, true);
            List<String> last = new ArrayList<>();
            for (FleetEvent e : events.subList(Math.max(0, events.size() - LAST_EVENTS), events.size())) {
                last.add(Describe.event(e.event(), startMs, e.overloaded()));
            }
            out.add(new PhoneEvidence(h.id(), state, last));
        }
        return out;
    }

    /** Whether {@code matched} of {@code total} phones satisfy the count. */
    static boolean counts(PhoneCount c, int matched, int total) {
        return switch (c.kind()) {
            case ALL -> matched == total && total > 0;
            case NONE -> matched == 0;
            case AT_LEAST -> matched >= c.n();
        };
    }

    static String wanted(PhoneCount c, int total) {
        return switch (c.kind()) {
            case ALL -> "all " + total;
            case NONE -> "none";
            case AT_LEAST -> "at least " + c.n();
        };
    }

    // ------------------------------------------------------------------------------------------ state

    /** "fleet X: N phones (or all) on server S / in state T", from what each phone keeps current (never waits). */
    static final class StateCheck extends Check {
        private final Expectation.PhonesState s;
        private long heldSince = -1;

        StateCheck(String id, String phase, Expectation.PhonesState s, String text, long startMs) {
            super(id, phase, s, text, startMs);
            this.s = s;
        }

        private boolean matches(RunPhone h, Observer obs) {
            var line = h.brief(s.line());
            String on = line.activeServer();
            io.sipfleet.device.Outputs.LineState state = line.state();
            var call = line.callState();
            if (s.on() != null && !(s.on().equals("none") ? on == null : s.on().equals(on))) {
                return false;
            }
            if (s.state() != null && s.state() != state) {
                return false;
            }
            return s.callState() == null || s.callState() == (call == null ? io.sipfleet.device.Outputs.CallState.IDLE : call);
        }

        private String what() {
            List<String> w = new ArrayList<>();
            if (s.on() != null) w.add("on " + s.on());
            if (s.state() != null) w.add(Describe.lower(s.state()));
            if (s.callState() != null) w.add("call " + Describe.lower(s.callState()));
            return String.join(", ", w);
        }

        /**
         * @param matchedOut gets the phones that match, the phones, and the phones that miss
         * @return null when it holds, else the first {@link #MAX_EVIDENCE} phones that do not (or, for none, those
         *         that do)
         */
        private List<RunPhone> observe(Observer obs, int[] matchedOut) {
            List<RunPhone> phones = obs.phones(s.subject());
            // only the phones the evidence may list are kept (those that do not match, or for none those that do)
            boolean none = s.phones().kind() == PhoneCount.Kind.NONE;
            List<RunPhone> kept = new ArrayList<>();
            int yes = 0;
            for (RunPhone h : phones) {
                boolean m = matches(h, obs);
                if (m) {
                    yes++;
                }
                if (m == none && kept.size() < MAX_EVIDENCE) {
                    kept.add(h);
                }
            }
            matchedOut[0] = yes;
            matchedOut[1] = phones.size();
            matchedOut[2] = none ? yes : phones.size() - yes;
            if (counts(s.phones(), yes, phones.size())) {
                return null;
            }
            return kept;
        }

        private String figure(int[] m, long nowMs) {
            return m[0] + "/" + m[1] + " phones " + what() + " at " + rel(nowMs) + " (wanted " + wanted(s.phones(), m[1])
                    + ")";
        }

        @Override
        void tick(long nowMs, Observer obs) {
            if (decided() || unobservable(obs, s.subject(), nowMs)) {
                return;
            }
            long deadline = startMs + timing().duration().toMillis();
            int[] m = new int[3];
            switch (timing().mode()) {
                case WITHIN -> {
                    List<RunPhone> missed = observe(obs, m);
                    if (missed == null) {
                        decide(Outcome.PASSED, figure(m, nowMs), null, List.of(), 0, nowMs);
                    } else if (nowMs >= deadline) {
                        decide(Outcome.FAILED, figure(m, nowMs), "not within " + window() + ": " + figure(m, nowMs),
                                evidence(missed, obs), m[2], nowMs);
                    }
                }
                case AT -> {
                    if (nowMs >= deadline) {
                        List<RunPhone> missed = observe(obs, m);
                        if (missed == null) {
                            decide(Outcome.PASSED, figure(m, nowMs), null, List.of(), 0, nowMs);
                        } else {
                            decide(Outcome.FAILED, figure(m, nowMs), "not so at " + window() + ": " + figure(m, nowMs),
                                    evidence(missed, obs), m[2], nowMs);
                        }
                    }
                }
                case FOR -> {
                    List<RunPhone> missed = observe(obs, m);
                    if (missed != null) {
                        decide(Outcome.FAILED, figure(m, nowMs), "did not hold for " + window() + ": "
                                + (heldSince < 0 ? "not so at the start" : "held until " + rel(heldSince)) + ", then "
                                + figure(m, nowMs), evidence(missed, obs), m[2], nowMs);
                    } else {
                        heldSince = nowMs;
                        if (nowMs >= deadline) {
                            decide(Outcome.PASSED, "held for " + window() + ": " + figure(m, nowMs), null, List.of(), 0,
                                    nowMs);
                        }
                    }
                }
                default -> throw new IllegalStateException();
            }
        }

        @Override
        void finish(long nowMs, Observer obs) {
            if (decided() || unobservable(obs, s.subject(), nowMs)) {
                return;
            }
            int[] m = new int[3];
            List<RunPhone> missed = observe(obs, m);
            if (missed == null) {
                decide(Outcome.PASSED, figure(m, nowMs), null, List.of(), 0, nowMs);
            } else {
                decide(Outcome.FAILED, figure(m, nowMs), "not so: " + figure(m, nowMs), evidence(missed, obs),
                        m[2], nowMs);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ event

    /** "phone P: event E within D (or at D ± tolerance) of step K", or N phones of a fleet each saw it. */
    static final class EventCheck extends Check {
        private final Expectation.EventSeen s;

        EventCheck(String id, String phase, Expectation.EventSeen s, String text, long startMs) {
            super(id, phase, s, text, startMs);
            this.s = s;
        }

        @Override
        long grace() {
            return (timing().mode() == Timing.Mode.AT ? s.tolerance().toMillis() : 0) + EVENT_GRACE_MS;
        }

        /** The phone's first event that counts, or null. */
        private PhoneEvent seen(RunPhone h, Observer obs, boolean exact) {
            long d = timing().duration().toMillis();
            long from = timing().mode() == Timing.Mode.AT ? startMs + d - s.tolerance().toMillis() : startMs;
            long to = timing().mode() == Timing.Mode.AT ? startMs + d + s.tolerance().toMillis() : startMs + d;
            for (FleetEvent fe : obs.events(h, exact)) {
                PhoneEvent e = fe.event();
                if (e.type().equals(s.event()) && e.at() >= from && e.at() <= to
                        && (s.server() == null || Describe.roles(e).contains(s.server()))) {
                    return e;
                }
            }
            return null;
        }

        /** The phone's first event of the type since the start, in or out of the window (for the figure). */
        private PhoneEvent first(RunPhone h, Observer obs) {
            for (FleetEvent fe : obs.events(h, true)) {
                PhoneEvent e = fe.event();
                if (e.type().equals(s.event()) && e.at() >= startMs
                        && (s.server() == null || Describe.roles(e).contains(s.server()))) {
                    return e;
                }
            }
            return null;
        }

        private String expected() {
            return timing().mode() == Timing.Mode.AT
                    ? "at " + window() + " ± " + Durations.format(s.tolerance())
                    : "within " + window();
        }

        @Override
        void tick(long nowMs, Observer obs) {
            if (decided() || unobservable(obs, s.subject(), nowMs)) {
                return;
            }
            boolean due = nowMs >= nextDueMs();
            if (!due && (s.phones().kind() == PhoneCount.Kind.NONE || timing().mode() == Timing.Mode.AT)) {
                return; // "none" and "at" are decided once their window is over
            }
            List<RunPhone> phones = obs.phones(s.subject());
            List<RunPhone> saw = new ArrayList<>();
            List<RunPhone> not = new ArrayList<>();
            List<Long> instants = new ArrayList<>();
            for (RunPhone h : phones) {
                PhoneEvent e = seen(h, obs, due);
                if (e == null) {
                    not.add(h);
                } else {
                    saw.add(h);
                    instants.add(e.at() - startMs);
                }
            }
            boolean holds = counts(s.phones(), saw.size(), phones.size());
            if (!holds && !due) {
                return;
            }
            String figure = figure(phones, saw, instants, obs);
            if (holds) {
                decide(Outcome.PASSED, figure, null, List.of(), 0, nowMs);
            } else {
                List<RunPhone> missed = s.phones().kind() == PhoneCount.Kind.NONE ? saw : not;
                decide(Outcome.FAILED, figure, s.event() + " not seen " + expected() + " by "
                        + wanted(s.phones(), phones.size()) + " phones: " + figure, evidence(missed, obs), missed.size(),
                        nowMs);
            }
        }

        private String figure(List<RunPhone> phones, List<RunPhone> saw, List<Long> instants, Observer obs) {
            if (phones.size() == 1) {
                RunPhone h = phones.get(0);
                PhoneEvent e = saw.isEmpty() ? first(h, obs) : seen(h, obs, true);
                return h.id() + ": " + (e == null ? "no " + s.event() + " since the start" : s.event() + " at "
                        + rel(e.at())) + " (expected " + expected() + ")";
            }
            String range = instants.isEmpty() ? "" : ", at +" + instants.stream().mapToLong(Long::longValue).min()
                    .getAsLong() + "..+" + instants.stream().mapToLong(Long::longValue).max().getAsLong() + "ms";
            return saw.size() + "/" + phones.size() + " phones saw " + s.event() + " " + expected() + range;
        }

        @Override
        void finish(long nowMs, Observer obs) {
            tick(Math.max(nowMs, nextDueMs()), obs); // events always have a mode: decided by their window
        }
    }

    // ------------------------------------------------------------------------------------------ no event

    /** "no event E during the step (or for a window)". */
    static final class NoEventCheck extends Check {
        private final Expectation.NoEvent s;

        NoEventCheck(String id, String phase, Expectation.NoEvent s, String text, long startMs) {
            super(id, phase, s, text, startMs);
            this.s = s;
        }

        @Override
        long grace() {
            return EVENT_GRACE_MS;
        }

        private boolean judge(long untilMs, long nowMs, Observer obs, boolean exact, boolean end) {
            List<RunPhone> offenders = new ArrayList<>();
            PhoneEvent firstSeen = null;
            String span = null;
            for (RunPhone h : obs.phones(s.subject())) {
                // newest first (a phone's events are in time order): stop at the first before the start
                List<FleetEvent> events = obs.events(h, exact);
                PhoneEvent earliest = null;
                for (int i = events.size() - 1; i >= 0; i--) {
                    PhoneEvent e = events.get(i).event();
                    if (e.at() < startMs) {
                        break;
                    }
                    if (e.at() <= untilMs && e.type().equals(s.event())) {
                        earliest = e;
                    }
                }
                if (earliest != null) {
                    offenders.add(h);
                    if (firstSeen == null || earliest.at() < firstSeen.at()) {
                        firstSeen = earliest;
                    }
                }
            }
            if (!offenders.isEmpty() || end) {
                span = "from +0ms to " + rel(untilMs);
            }
            if (!offenders.isEmpty()) {
                String fig = offenders.size() + " phone" + (offenders.size() == 1 ? "" : "s") + " emitted " + s.event()
                        + ", first " + firstSeen.phone() + " at " + rel(firstSeen.at());
                decide(Outcome.FAILED, fig, "unexpected " + s.event() + " " + span + ": " + fig,
                        evidence(offenders, obs), offenders.size(), nowMs);
                return true;
            }
            if (end) {
                decide(Outcome.PASSED, "no " + s.event() + " " + span, null, List.of(), 0, nowMs);
                return true;
            }
            return false;
        }

        @Override
        void tick(long nowMs, Observer obs) {
            if (decided() || unobservable(obs, s.subject(), nowMs)) {
                return;
            }
            long end = startMs + timing().duration().toMillis();
            boolean due = nowMs >= nextDueMs();
            judge(due ? end : nowMs, nowMs, obs, due, due);
        }

        @Override
        void finish(long nowMs, Observer obs) {
            if (decided() || unobservable(obs, s.subject(), nowMs)) {
                return;
            }
            judge(nowMs, nowMs, obs, true, true);
        }

        /** Untimed: fails as soon as the event is seen, though it is passed only at the phase's end. */
        void poll(long nowMs, Observer obs) {
            if (!decided() && obs.unobservable(s.subject()) == null) {
                judge(nowMs, nowMs, obs, false, false);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ metric

    /** A threshold on a metric over the window from the start to the moment it is judged. */
    static final class MetricCheck extends Check {
        private final Expectation.MetricCheck s;
        private long heldSince = -1;

        MetricCheck(String id, String phase, Expectation.MetricCheck s, String text, long startMs) {
            super(id, phase, s, text, startMs);
            this.s = s;
        }

        @Override
        long grace() {
            return EVENT_GRACE_MS;
        }

        private Metrics.Measure measure(long toMs, Observer obs) {
            return Metrics.measure(s.metric(), s.fleet(), startMs, toMs, obs);
        }

        private boolean passes(Metrics.Measure m) {
            return !Double.isNaN(m.value()) && s.metric().test(m.value());
        }

        @Override
        void tick(long nowMs, Observer obs) {
            if (decided()) {
                return;
            }
            long deadline = startMs + timing().duration().toMillis();
            boolean due = nowMs >= nextDueMs();
            Metrics.Measure m = measure(Math.min(nowMs, deadline), obs);
            switch (timing().mode()) {
                case WITHIN -> {
                    if (passes(m)) {
                        decide(Outcome.PASSED, m.text() + " at " + rel(nowMs), null, List.of(), 0, nowMs);
                    } else if (due) {
                        decide(Outcome.FAILED, m.text(), "not within " + window() + ": " + m.text() + ", wanted "
                                + s.metric().text(), List.of(), 0, nowMs);
                    }
                }
                case AT -> {
                    if (due) {
                        decide(passes(m) ? Outcome.PASSED : Outcome.FAILED, m.text(), passes(m) ? null
                                : "at " + window() + ": " + m.text() + ", wanted " + s.metric().text(), List.of(), 0,
                                nowMs);
                    }
                }
                case FOR -> {
                    if (!passes(m)) {
                        decide(Outcome.FAILED, m.text(), "did not hold for " + window() + " (held until "
                                + (heldSince < 0 ? "+0ms" : rel(heldSince)) + "): " + m.text() + ", wanted "
                                + s.metric().text(), List.of(), 0, nowMs);
                    } else {
                        heldSince = nowMs;
                        if (due) {
                            decide(Outcome.PASSED, m.text(), null, List.of(), 0, nowMs);
                        }
                    }
                }
                default -> throw new IllegalStateException();
            }
        }

        @Override
        void finish(long nowMs, Observer obs) {
            if (decided()) {
                return;
            }
            Metrics.Measure m = measure(nowMs, obs);
            boolean ok = passes(m);
            decide(ok ? Outcome.PASSED : Outcome.FAILED, m.text(), ok ? null : m.text() + ", wanted "
                    + s.metric().text(), List.of(), 0, nowMs);
        }
    }
}
