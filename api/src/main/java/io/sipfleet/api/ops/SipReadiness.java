package io.sipfleet.api.ops;

import io.sipfleet.simulator.Simulator;
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
    private final Simulator simulator;

    SipReadiness(Simulator simulator) {
        this.simulator = simulator;
    }

    @Override
    public HealthCheckResponse call() {
        boolean up = simulator.sipStackUp();
        var b = HealthCheckResponse.named("sip-stack").status(up)
                .withData("builtinServers", simulator.builtin().map(g -> g.servers().size()).orElse(0))
                .withData("fleets", up ? simulator.fleets().fleets().size() : 0);
        var overload = simulator.overload();
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
