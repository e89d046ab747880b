package io.sipfleet.api.ops;

import io.sipfleet.api.runtime.SimulatorRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the phones' SIP stack is up (and the built-in servers, when enabled). */
@Readiness
@ApplicationScoped
public class SipReadiness implements HealthCheck {
    private final SimulatorRuntime runtime;

    SipReadiness(SimulatorRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        boolean up = runtime.sipStackUp();
        return HealthCheckResponse.named("sip-stack").status(up)
                .withData("builtinServers", runtime.builtin().map(g -> g.servers().size()).orElse(0))
                .withData("fleets", up ? runtime.fleets().fleets().size() : 0).build();
    }
}
