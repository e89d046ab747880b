package io.sipfleet.api.runtime;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sipfleet.api.config.SipfleetConfig;
import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.builtin.Accounts;
import io.sipfleet.simulator.builtin.BuiltinServerGroup;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.sip.JainSipSignalling;
import io.sipfleet.simulator.sip.TlsMaterial;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The running simulator: the phones' shards, the phones' SIP stack and the fleet manager, made from
 * the configuration at start-up and closed at shutdown. Wiring only: no phone or SIP logic here.
 */
@ApplicationScoped
public class SimulatorRuntime {
    private static final Logger LOG = Logger.getLogger(SimulatorRuntime.class);

    private final SipfleetConfig config;
    private final Instance<PhoneListener> listeners;
    private ShardedScheduler shards;
    private JainSipSignalling signalling;
    private FleetManager fleets;
    private BuiltinServerGroup builtin;

    /** @param listeners every bean that listens to the phones (MQTT, ...): each sees every event */
    SimulatorRuntime(SipfleetConfig config, @Any Instance<PhoneListener> listeners) {
        this.config = config;
        this.listeners = listeners;
    }

    void start(@Observes @Priority(10) StartupEvent event) throws Exception {
        var sip = config.sip();
        shards = new ShardedScheduler(config.shards());
        TlsMaterial tls = tlsMaterial(sip.tls());
        var settings = new JainSipSignalling.Settings(sip.bindAddress(), sip.port(), sip.threads(),
                Math.max(1000, 15 * sip.t1().toMillis()), "sipfleet");
        settings = sip.tls().enabled() ? settings.withTls(settings.tlsPort(), tls) : settings.withoutTls();
        signalling = new JainSipSignalling(settings, shards::executorFor);
        fleets = new FleetManager(shards, signalling, new SipTimers(sip.t1().toMillis()),
                allListeners(listeners.stream().toList()),
                config.seed(), config.eventsPerPhone());
        LOG.infof("phones' SIP stack on %s:%d (UDP, TCP)%s, T1 = %d ms", sip.bindAddress(), sip.port(),
                settings.tlsEnabled() ? ", TLS on " + settings.tlsPort() : "", sip.t1().toMillis());
        var b = config.builtinServers();
        if (b.enabled()) {
            var servers = BuiltinServerGroup.Config.primaryBackup(b.primaryHost(), b.primaryPort(), b.backupHost(),
                    b.backupPort());
            servers = sip.tls().enabled() ? servers.withTls(tls) : servers.withoutTls();
            builtin = new BuiltinServerGroup(servers.withT1Ms((int) sip.t1().toMillis()),
                    Accounts.withRule(fleets::passwordOf));
            LOG.infof("built-in SIP servers: primary %s:%d, backup %s:%d (UDP, TCP%s)", b.primaryHost(),
                    b.primaryPort(), b.backupHost(), b.backupPort(),
                    sip.tls().enabled() ? "; TLS on port + 1" : "");
        }
        var demo = config.demoFleet();
        if (demo.enabled() && builtin != null) {
            FirmwareProfile model = FirmwareProfile.byName(demo.model()).orElseThrow(() ->
                    new IllegalArgumentException("sipfleet.demo-fleet.model: unknown model " + demo.model()));
            fleets.create(new FleetSpec(demo.name(), model, demo.count(), demo.firstUser(), "pw{user}", "", 0, true,
                    1000, LineConfig.builder().registerAddr(b.primaryHost()).registerPort(b.primaryPort())
                    .backupAddr(b.backupHost()).backupPort(b.backupPort()).user("demo")
                    // a demo shows a failover within seconds: keep-alive every 5 s, failback probes every 30 s
                    .keepAliveInterval(5).failbackInterval(30)));
            LOG.infof("demo fleet '%s': %d %s phones, users %d.., on the built-in servers", demo.name(), demo.count(),
                    model.name(), demo.firstUser());
        }
    }

    /** Every listener bean as one; a listener that throws is logged and never reaches the phone. */
    static PhoneListener allListeners(java.util.List<PhoneListener> all) {
        return new PhoneListener() {
            @Override
            public void onEvent(io.sipfleet.device.event.PhoneEvent e) {
                for (PhoneListener l : all) {
                    try {
                        l.onEvent(e);
                    } catch (RuntimeException x) {
                        LOG.errorf(x, "phone listener %s failed on a %s event", l.getClass().getName(), e.type());
                    }
                }
            }

            @Override
            public void onOutputsChanged(String phoneId) {
                for (PhoneListener l : all) {
                    try {
                        l.onOutputsChanged(phoneId);
                    } catch (RuntimeException x) {
                        LOG.errorf(x, "phone listener %s failed on %s's outputs", l.getClass().getName(), phoneId);
                    }
                }
            }
        };
    }

    /**
     * The configured stores, or null (the generated material) when none are configured.
     *
     * @throws IllegalArgumentException naming the key when the configuration is incomplete
     */
    static TlsMaterial tlsMaterial(SipfleetConfig.Tls t) {
        if (!t.enabled() || (t.keyStore().isEmpty() && t.trustStore().isEmpty())) {
            return null;
        }
        String missing = t.keyStore().isEmpty() ? "sipfleet.sip.tls.key-store"
                : t.trustStore().isEmpty() ? "sipfleet.sip.tls.trust-store"
                : t.keyStorePassword().isEmpty() ? "sipfleet.sip.tls.key-store-password"
                : t.trustStorePassword().isEmpty() ? "sipfleet.sip.tls.trust-store-password" : null;
        if (missing != null) {
            throw new IllegalArgumentException(missing + " is required when the other TLS store is configured");
        }
        return TlsMaterial.of(Path.of(t.keyStore().get()), t.keyStorePassword().get(), Path.of(t.trustStore().get()),
                t.trustStorePassword().get(), t.storeType());
    }

    /** The built-in servers, when enabled. */
    public Optional<BuiltinServerGroup> builtin() {
        return Optional.ofNullable(builtin);
    }

    void stop(@Observes ShutdownEvent event) {
        if (fleets != null) {
            fleets.close();
        }
        if (signalling != null) {
            signalling.close();
        }
        if (builtin != null) {
            builtin.close();
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
