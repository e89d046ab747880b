package io.sipfleet.simulator.scenario.run;

import java.util.Locale;

/** How one expectation (or threshold, or step) came out. */
public enum Outcome {
    PASSED, FAILED,
    /** could not be judged: what it observes cannot be observed, or the run broke */
    ERROR,
    /** never judged: the run stopped before (abortOnFail, abort, timeout, a failed steady state) */
    SKIPPED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
