package io.sipfleet.simulator.scenario.run;

import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.scenario.Scenario;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The scenario runs of one {@link Simulator}, for the service's {@code /api/runs} and MQTT: each on a thread of its
 * own (never the caller's), listed, followed and aborted by id. <b>One run at a time</b>: every run sets the
 * availability of servers every phone shares and puts it back at its end, so a second run beside it would judge
 * the first one's faults (or undo them in its clean-up); {@link #start} refuses while one is going. The last
 * {@code keep} finished runs are kept with their reports; older ones are forgotten.
 */
public final class Runs implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Runs.class.getName());
    /** Finished runs kept by default. */
    public static final int DEFAULT_KEEP = 20;

    /** Hears every run of this registry; on the run's thread, so each call must return quickly. */
    public interface Listener {
        /** A run was started (before its first journal entry). */
        default void onStarted(Run run) {}

        /** A journal entry of a run (step, action, expectation decided, rollback, verdict...). */
        default void onEntry(Run run, JournalEntry entry) {}

        /** A run finished: its report is there ({@link Run#report()}). */
        default void onFinished(Run run, RunReport report) {}

        /** A finished run was forgotten (deleted, or beyond the ones kept). */
        default void onForgotten(Run run) {}
    }

    private final Simulator simulator;
    private final int keep;
    private final List<Listener> listeners;
    private final Object lock = new Object();
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Map<Run, Thread> threads = new LinkedHashMap<>();
    private boolean closed;

    public Runs(Simulator simulator, int keep, List<Listener> listeners) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, got " + keep);
        }
        this.simulator = java.util.Objects.requireNonNull(simulator, "simulator");
        this.keep = keep;
        this.listeners = List.copyOf(listeners);
    }

    /**
     * Starts a run of {@code scenario} on a thread of its own and returns at once.
     *
     * @throws RunConflictException     while another run is going
     * @throws IllegalArgumentException when this runner cannot run the scenario (its clock)
     * @throws IllegalStateException    when closed, or the simulator is not started
     */
    public Run start(Scenario scenario) {
        Run run;
        Thread thread;
        List<Run> forgotten;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the runs are closed (the service is stopping)");
            }
            Optional<Run> going = running();
            if (going.isPresent()) {
                Run g = going.get();
                RunProgress p = g.progress();
                throw new RunConflictException(g.id(), "run " + g.id() + " of '" + g.scenario().metadata().name()
                        + "' is going (" + p.state().wireName() + (p.phase() == null ? "" : ", " + p.phase())
                        + "): one run at a time, since every run changes the servers all phones share. Wait until "
                        + "it has finished, or abort it with DELETE /api/runs/" + g.id());
            }
            String id = newId();
            Run[] self = new Run[1];
            ScenarioRunner runner = new ScenarioRunner(simulator, scenario, new ScenarioRunner.Listener() {
                @Override
                public void onEntry(JournalEntry entry) {
                    each(l -> l.onEntry(self[0], entry));
                }
            });
            run = new Run(id, scenario, runner, System.currentTimeMillis());
            self[0] = run;
            runs.put(id, run);
            thread = new Thread(() -> execute(run), "sipfleet-run-" + id);
            thread.setDaemon(true);
            threads.put(run, thread);
            forgotten = forgetBeyondKeep();
        }
        forgotten.forEach(r -> each(l -> l.onForgotten(r)));
        each(l -> l.onStarted(run));
        thread.start();
        return run;
    }

    private void execute(Run run) {
        try {
            RunReport r = run.execute();
            LOG.log(System.Logger.Level.INFO, () -> "run " + run.id() + " of " + r.scenario() + ": "
                    + r.verdict().wireName() + (r.reason() == null ? "" : " (" + r.reason() + ")"));
            each(l -> l.onFinished(run, r));
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "run " + run.id() + " broke", e);
        } finally {
            synchronized (lock) {
                threads.remove(run);
                lock.notifyAll();
            }
        }
    }

    /** The run going now (not finished), if any. */
    public Optional<Run> running() {
        synchronized (lock) {
            return runs.values().stream().filter(r -> !r.finished()).findFirst();
        }
    }

    /** Every run kept, oldest first. */
    public List<Run> list() {
        synchronized (lock) {
            return List.copyOf(runs.values());
        }
    }

    public Optional<Run> get(String id) {
        synchronized (lock) {
            return Optional.ofNullable(runs.get(id));
        }
    }

    /**
     * Forgets a finished run (its report goes).
     *
     * @return false when there is no such run
     * @throws IllegalStateException when it has not finished (abort it first)
     */
    public boolean forget(String id) {
        Run r;
        synchronized (lock) {
            r = runs.get(id);
            if (r == null) {
                return false;
            }
            if (!r.finished()) {
                throw new IllegalStateException("run " + id + " has not finished");
            }
            runs.remove(id);
        }
        each(l -> l.onForgotten(r));
        return true;
    }

    /** Beyond {@code keep} finished runs, the oldest finished ones go (under the lock; listeners told after). */
    private List<Run> forgetBeyondKeep() {
        List<Run> finished = runs.values().stream().filter(Run::finished).toList();
        List<Run> gone = new ArrayList<>();
        for (int i = 0; i < finished.size() - keep; i++) {
            runs.remove(finished.get(i).id());
            gone.add(finished.get(i));
        }
        return gone;
    }

    /** Eight lowercase hex digits, unique among the runs kept (a restarted service does not reuse its ids). */
    private String newId() {
        String id;
        do {
            id = String.format(Locale.ROOT, "%08x", random.nextInt());
        } while (runs.containsKey(id));
        return id;
    }

    private void each(java.util.function.Consumer<Listener> call) {
        for (Listener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a run listener failed", e);
            }
        }
    }

    /**
     * Aborts the run going (its rollbacks and clean-up run) and waits for it, at most {@code timeoutMs}; no new run
     * starts afterwards. For the service's shutdown, before the simulator closes.
     *
     * @return whether every run had finished in time
     */
    public boolean close(long timeoutMs) {
        List<Thread> waiting;
        synchronized (lock) {
            closed = true;
            running().ifPresent(r -> r.abort("the service is stopping"));
            waiting = List.copyOf(threads.values());
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (Thread t : waiting) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                if (left <= 0) {
                    return false;
                }
                t.join(left);
                if (t.isAlive()) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (!close(60_000)) {
            LOG.log(System.Logger.Level.WARNING, "a scenario run did not finish its rollbacks within 60 s");
        }
    }
}
