package io.sipfleet.api.runtime;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sipfleet.api.config.SipfleetConfig;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.SimulatorSettings;
import io.sipfleet.simulator.cluster.ClusterShard;
import io.sipfleet.simulator.fleet.FleetListener;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Quarkus shim around the plain-Java {@link Simulator}: maps {@code sipfleet.*} to
 * {@link SimulatorSettings}, starts the simulator at start-up and closes it at shutdown, and gives it to
 * the REST resources, MQTT, health, metrics and the live stream ({@code @Inject Simulator}). Wiring only:
 * no simulator behaviour here.
 */
@ApplicationScoped
public class SimulatorRuntime {
    private final Instance<FleetListener> listeners;
    private final Simulator simulator;

    /** @param listeners every bean that listens to the phones (MQTT, ...): each sees every event */
    SimulatorRuntime(SipfleetConfig config, @Any Instance<FleetListener> listeners) {
        this.listeners = listeners;
        this.simulator = new Simulator(settings(config));
    }

    /** The one simulator, the same object before and after start (its accessors answer null before it). */
    @Produces
    @Singleton
    Simulator simulator() {
        return simulator;
    }

    void start(@Observes @Priority(10) StartupEvent event) throws Exception {
        simulator.start(listeners.stream().toList());
    }

    void stop(@Observes ShutdownEvent event) {
        simulator.close();
    }

    /** The configuration as the simulator's settings. */
    static SimulatorSettings settings(SipfleetConfig c) {
        var sip = c.sip();
        var b = c.builtinServers();
        var d = c.demoFleet();
        var t = c.trace();
        return new SimulatorSettings(
                new SimulatorSettings.Sip(sip.t1(), sip.bindAddress(), sip.port(), sip.threads(),
                        new SimulatorSettings.Tls(sip.tls().enabled(), stores(sip.tls()))),
                new SimulatorSettings.BuiltinServers(b.enabled(), b.primaryHost(), b.primaryPort(), b.backupHost(),
                        b.backupPort()),
                new SimulatorSettings.DemoFleet(d.enabled(), d.name(), d.count(), d.model(), d.firstUser()),
                new SimulatorSettings.Overload(c.overload().threshold(), c.overload().recovery(),
                        c.overload().wireTolerance()),
                new SimulatorSettings.Capacity(c.capacity().enforce()),
                new SimulatorSettings.WarmUp(c.warmUp().enabled()),
                new SimulatorSettings.Trace(t.messages(), t.maxPhones(), t.keep(), t.maxWatched()),
                c.shards(), c.seed(), c.eventsPerPhone(), c.eventsRetained(),
                new ClusterShard(c.cluster().shardIndex(), c.cluster().shardCount()));
    }

    /**
     * The configured stores, or empty (the generated material) when none are configured or TLS is off.
     *
     * @throws IllegalArgumentException naming the key when the configuration is incomplete
     */
    static Optional<SimulatorSettings.Stores> stores(SipfleetConfig.Tls t) {
        if (!t.enabled() || (t.keyStore().isEmpty() && t.trustStore().isEmpty())) {
            return Optional.empty();
        }
        String missing = t.keyStore().isEmpty() ? "sipfleet.sip.tls.key-store"
                : t.trustStore().isEmpty() ? "sipfleet.sip.tls.trust-store"
                : t.keyStorePassword().isEmpty() ? "sipfleet.sip.tls.key-store-password"
                : t.trustStorePassword().isEmpty() ? "sipfleet.sip.tls.trust-store-password" : null;
        if (missing != null) {
            throw new IllegalArgumentException(missing + " is required when the other TLS store is configured");
        }
        return Optional.of(new SimulatorSettings.Stores(Path.of(t.keyStore().get()), t.keyStorePassword().get(),
                Path.of(t.trustStore().get()), t.trustStorePassword().get(), t.storeType()));
    }
}
