package io.sipfleet.simulator.scenario.run;

import java.util.Locale;

/**
 * A run's verdict, with the command line's exit code (issue 11: 0 passed, 1 failed, 2 aborted or error; 3 is an
 * invalid scenario, refused before any run).
 */
public enum Verdict {
    /** every expectation of the steady state, the steps and the thresholds held */
    PASSED(0),
    /** at least one expectation or threshold did not hold (an {@code abortOnFail} step included) */
    FAILED(1),
    /** stopped from outside ({@link ScenarioRunner#abort}) or by the scenario's {@code timeout} */
    ABORTED(2),
    /** the run itself broke: an action the simulator refused, a fleet that could not be created, a bug */
    ERROR(2);

    /** Exit code of a scenario that is not valid (the parser refused it): nothing ran. */
    public static final int INVALID_EXIT_CODE = 3;

    private final int exitCode;

    Verdict(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** {@code passed}, {@code failed}, {@code aborted}, {@code error}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
