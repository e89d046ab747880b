package io.sipfleet.api.ops;

import io.sipfleet.api.runtime.SimulatorRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the phones' SIP stack is up (and the built-in servers, when enabled) and the simulator is
 * not overloaded: while it is behind its own work its verdicts about servers cannot be trusted, and the
 * check says why.
 */
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
        var b = HealthCheckResponse.named("sip-stack").status(up)
                .withData("builtinServers", runtime.builtin().map(g -> g.servers().size()).orElse(0))
                .withData("fleets", up ? runtime.fleets().fleets().size() : 0);
        var overload = runtime.overload();
        if (overload != null) {
            var s = overload.status();
            b.withData("overloaded", s.overloaded()).withData("lagMs", String.valueOf(s.lagMs()))
                    .withData("thresholdMs", String.valueOf(s.thresholdMs()));
            if (s.overloaded()) {
                b.down().withData("overloadedSince", java.time.Instant.ofEpochMilli(s.since()).toString())
                        .withData("reason", "the simulator is behind its own work: " + String.join("; ", s.reasons()));
            }
        }
        return b.build();
    }
}
