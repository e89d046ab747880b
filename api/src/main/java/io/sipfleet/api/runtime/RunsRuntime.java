package io.sipfleet.api.runtime;

import io.quarkus.runtime.ShutdownEvent;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.scenario.run.Runs;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The Quarkus shim around the plain-Java {@link Runs} of the service's simulator ({@code /api/runs}, MQTT run
 * topics): made with every {@link Runs.Listener} bean, given to CDI, and closed at shutdown before anything else
 * stops, so that a run going then is aborted and its rollbacks and clean-up run while the simulator and MQTT are up.
 */
@ApplicationScoped
public class RunsRuntime {
    private final Runs runs;

    RunsRuntime(Simulator simulator, @Any Instance<Runs.Listener> listeners) {
        this.runs = new Runs(simulator, Runs.DEFAULT_KEEP, listeners.stream().toList());
    }

    @Produces
    @Singleton
    Runs runs() {
        return runs;
    }

    void stop(@Observes @Priority(0) ShutdownEvent event) {
        runs.close();
    }
}
