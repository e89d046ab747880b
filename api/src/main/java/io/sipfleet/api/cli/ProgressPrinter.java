package io.sipfleet.api.cli;

import io.sipfleet.simulator.scenario.run.JournalEntry;
import io.sipfleet.simulator.scenario.run.ScenarioRunner;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;

/**
 * A run as it goes, one line per journal entry a person follows in a CI log (on stderr: stdout carries the
 * summary): the fleets, each step's start and end, each action, each expectation decided, the rollbacks, the
 * clean-up and the verdict, timed from the run's start. Fleet observations (counts by event type) stay in the
 * journal.
 */
final class ProgressPrinter implements ScenarioRunner.Listener {
    private static final Set<String> SHOWN = Set.of("run", "fleet", "step", "action", "expectation", "rollback",
            "cleanup", "verdict");
    private final PrintStream out;
    private long startMs = -1;

    ProgressPrinter(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onEntry(JournalEntry e) {
        if (startMs < 0) {
            startMs = e.atMs();
        }
        if (!SHOWN.contains(e.kind())) {
            return;
        }
        out.printf(Locale.ROOT, "[sipfleet] %+8.3fs %-11s %s%s%n", (e.atMs() - startMs) / 1000.0, e.kind(),
                e.phase() == null ? "" : e.phase() + ": ", e.text());
        out.flush();
    }
}
