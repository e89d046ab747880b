package io.sipfleet.simulator.scenario.run;

import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.scenario.Action;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What a run acts on and observes: the real simulator ({@link SimulatorStage}, {@code clock: real}) or the virtual
 * world ({@link VirtualStage}, {@code clock: virtual}). The {@link ScenarioRunner} does the rest (phases,
 * expectations through the one {@link Observer}, journal, verdict, rollbacks) the same way for both.
 */
interface Stage {
    /** Where a stage writes its lines of the journal (the runner's journal). */
    @FunctionalInterface
    interface Journal {
        void add(String kind, String phase, String text, Map<String, Object> data);
    }

    /** The run's clock, epoch ms: the wall clock, or the virtual one. */
    long now();

    /**
     * Lets time pass until {@code atMs} or until {@code stop} says so: the real stage waits on {@code lock} (an
     * abort wakes it), the virtual one runs the world up to that instant at once.
     */
    void pauseUntil(long atMs, Object lock, BooleanSupplier stop) throws InterruptedException;

    /** Remembers what the run may change (the servers' availability) and starts hearing the run's events. */
    void open(Journal journal, ScenarioRunner.Listener listener);

    /** The scenario's relays (real time only). */
    void startRelays(Journal journal);

    /** The scenario's fleets, their lines pointed at the scenario's servers; powered on by their ramp. */
    void createFleets(Journal journal);

    /** Carries an action out (not {@code wait}). @return what it did, for the journal */
    String perform(Action a);

    /** Leaves nothing of the run behind; each line said is added to {@code log}. */
    void cleanup(List<String> log);

    /** Stops hearing events. */
    void close(List<String> log);

    /** How the expectations see the run's phones and events. */
    Observer observer();

    /** The run's fleets that exist. */
    List<String> fleets();

    /** Line 1 of a fleet's phones by state and server, and the calls in progress. */
    Fleet.Summary summary(String fleet);

    /**
     * A count that moves whenever a phone emits an event or changes what it shows; equal counts mean nothing changed
     * in between, so an expectation need not be looked at again before its deadline. -1: not counted (look every
     * tick).
     */
    default long changes() {
        return -1;
    }

    /** Figures for planning at the end of the run, added to the journal (the virtual REGISTER rate). */
    default void report(Journal journal) {}
}
