package io.sipfleet.simulator.scenario.run;

import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.ObservablePhone;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.scenario.Expectation;
import java.util.List;

/** What a {@link Check} observes of the running simulator: the run's phones, their events, the overload watch. */
interface Observer {
    /** The subject's phones: one phone, one fleet's (a relay fleet's: observed on the wire), or every phone of the run. */
    List<ObservablePhone> phones(Expectation.Subject subject);

    /** The fleet's phones, or every phone of the run when {@code fleet} is null. */
    List<ObservablePhone> phones(String fleet);

    /**
     * The phone's events of the run, oldest first. {@code exact}: also those its own buffer holds that the event
     * thread has not yet delivered (for a decision); otherwise only those delivered (for a poll).
     */
    List<FleetEvent> events(ObservablePhone phone, boolean exact);

    /** The simulator's watch on its own lag, or null. */
    OverloadMonitor overload();

    /** Why the subject cannot be observed, or null (a relay's clients are: they are observed on the wire). */
    String unobservable(Expectation.Subject subject);
}
