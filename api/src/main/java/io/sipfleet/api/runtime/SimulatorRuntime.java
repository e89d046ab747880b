package io.sipfleet.api.runtime;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sipfleet.api.config.SipfleetConfig;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.sip.JainSipSignalling;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The running simulator: the phones' shards, the phones' SIP stack and the fleet manager, made from
 * the configuration at start-up and closed at shutdown. Wiring only: no phone or SIP logic here.
 */
@ApplicationScoped
public class SimulatorRuntime {
    private static final Logger LOG = Logger.getLogger(SimulatorRuntime.class);

    private final SipfleetConfig config;
    private ShardedScheduler shards;
    private JainSipSignalling signalling;
    private FleetManager fleets;

    SimulatorRuntime(SipfleetConfig config) {
        this.config = config;
    }

    void start(@Observes @Priority(10) StartupEvent event) throws Exception {
        var sip = config.sip();
        shards = new ShardedScheduler(config.shards());
        signalling = new JainSipSignalling(new JainSipSignalling.Settings(sip.bindAddress(), sip.port(), sip.threads(),
                Math.max(1000, 15 * sip.t1().toMillis()), "sipfleet"), shards::executorFor);
        fleets = new FleetManager(shards, signalling, new SipTimers(sip.t1().toMillis()), PhoneListener.NONE,
                config.seed(), config.eventsPerPhone());
        LOG.infof("phones' SIP stack on %s:%d (UDP, TCP), T1 = %d ms", sip.bindAddress(), sip.port(),
                sip.t1().toMillis());
    }

    void stop(@Observes ShutdownEvent event) {
        if (fleets != null) {
            fleets.close();
        }
        if (signalling != null) {
            signalling.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    public FleetManager fleets() {
        return fleets;
    }

    public JainSipSignalling signalling() {
        return signalling;
    }

    public SipfleetConfig config() {
        return config;
    }
}
