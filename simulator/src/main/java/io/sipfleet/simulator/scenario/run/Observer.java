package io.sipfleet.simulator.scenario.run;

import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.scenario.Expectation;
import java.util.List;

/**
 * What a {@link Check} observes of what the run runs on (the real simulator or the virtual world): the run's phones,
 * their events, the overload watch. One abstraction, so that every expectation is judged by the same code in both
 * clocks.
 */
interface Observer {
    /** The subject's phones: one phone, one fleet's, or (every phone) every fleet's of the run. */
    List<RunPhone> phones(Expectation.Subject subject);

    /** The fleet's phones, or every phone of the run when {@code fleet} is null. */
    List<RunPhone> phones(String fleet);

    /**
     * The phone's events of the run, oldest first. {@code exact}: also those its own buffer holds that the event
     * thread has not yet delivered (for a decision); otherwise only those delivered (for a poll).
     */
    List<FleetEvent> events(RunPhone phone, boolean exact);

    /** The simulator's watch on its own lag, or null. */
    OverloadMonitor overload();

    /** Why the subject cannot be observed (a relay's clients), or null. */
    String unobservable(Expectation.Subject subject);
}
