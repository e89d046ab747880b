package io.sipfleet.api.cli;

import io.sipfleet.simulator.scenario.run.ScenarioRunner;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C and SIGTERM (a CI job cancelled) during a run: the run is aborted and its rollbacks and clean-up run before
 * the process ends (the phones unregister from external servers, the faults the run added go), the reports are
 * written, and the process exits 2 (aborted). A JVM shutdown hook: it asks the run to stop, waits until the run's
 * thread has finished (bounded), then ends the JVM with the run's exit code (a hook cannot change the exit code by
 * returning, so it halts with it once everything is written).
 */
final class SignalGuard implements AutoCloseable {
    /** How long the rollbacks and clean-up may take after a signal. */
    static final Duration GRACE = Duration.ofSeconds(90);

    private final ScenarioRunner runner;
    private final PrintStream err;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private volatile int exitCode = 2;

    SignalGuard(ScenarioRunner runner, PrintStream err) {
        this.runner = runner;
        this.err = err;
        this.hook = new Thread(this::onSignal, "sipfleet-run-signal");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private void onSignal() {
        if (finished.getCount() == 0) {
            return; // the run ended by itself and the process is exiting with its code
        }
        err.println("[sipfleet] signal received: aborting the run; its rollbacks and clean-up run first");
        err.flush();
        runner.abort("stopped by a signal (SIGINT or SIGTERM)");
        try {
            if (!finished.await(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                err.println("[sipfleet] the rollbacks and clean-up did not finish within " + GRACE.toSeconds()
                        + " s; exiting anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.flush();
        System.out.flush();
        Runtime.getRuntime().halt(exitCode);
    }

    /** The run, its reports and the simulator are done: the process may exit with {@code code}. */
    void finished(int code) {
        exitCode = code;
        finished.countDown();
    }

    @Override
    public void close() {
        if (finished.getCount() > 0) {
            finished(exitCode);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running and sees the run finished
        }
    }
}
