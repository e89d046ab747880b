package io.sipfleet.api.runtime;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sipfleet.api.config.SipfleetConfig;
import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.builtin.Accounts;
import io.sipfleet.simulator.builtin.BuiltinServerGroup;
import io.sipfleet.simulator.fleet.FleetListener;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.sip.JainSipSignalling;
import io.sipfleet.simulator.sip.PacketFaults;
import io.sipfleet.simulator.sip.TlsMaterial;
import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Fault;
import io.sipfleet.faults.FaultEngine;
import io.sipfleet.faults.FaultSpec;
import io.sipfleet.faults.FaultTypes;
import io.sipfleet.faults.PacketPolicy;
import io.sipfleet.simulator.relay.FaultRelay;
import io.sipfleet.faults.ServerDirectory;
import java.util.List;
import java.util.Map;
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
    private final Instance<FleetListener> listeners;
    private ShardedScheduler shards;
    private JainSipSignalling signalling;
    private FleetManager fleets;
    private BuiltinServerGroup builtin;
    private FaultEngine faultEngine;
    private io.sipfleet.simulator.runtime.SelfWatch selfWatch;
    private OverloadMonitor overload;

    /** @param listeners every bean that listens to the phones (MQTT, ...): each sees every event */
    SimulatorRuntime(SipfleetConfig config, @Any Instance<FleetListener> listeners) {
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
        settings = settings.withWireTolerance(config.overload().wireTolerance());
        signalling = new JainSipSignalling(settings, shards::executeAt);
        overload = watchOverload(sip.t1().toMillis());
        fleets = new FleetManager(shards, signalling, new SipTimers(sip.t1().toMillis()),
                listeners.stream().toList(), overload, config.seed(), config.eventsPerPhone(), config.eventsRetained());
        // until the load itself is measured, a conservative cost per transaction (the service as users run it)
        fleets.capacity(new io.sipfleet.simulator.runtime.Capacity(io.sipfleet.simulator.runtime.Capacity.processCpu(),
                signalling::transactions, Runtime.getRuntime().availableProcessors(), 500_000),
                config.capacity().enforce());
        if (config.warmUp().enabled()) {
            warmUp();
        }
        // per-phone SIP traces: every phone while they are few, otherwise the phones someone asks for
        var t = config.trace();
        signalling.tracer().settings(new io.sipfleet.simulator.trace.SipTracer.Settings(t.messages(), t.maxPhones(),
                t.keep(), t.maxWatched()));
        fleets.tracer(signalling.tracer());
        // network faults, applied on the phones' side of the wire (issue 4)
        faultEngine = new FaultEngine(config.seed(), FaultTypes.standard(), this::resolveServer);
        signalling.faults().directory(id -> fleets.phone(id)
                .map(h -> new PacketFaults.PhoneRef(id, h.fleet(), h.model()))
                .orElse(new PacketFaults.PhoneRef(id, null, null)));
        signalling.faults().policy(faultEngine);
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

    /** The watch on the simulator's own lag (README "Overload"): threshold 10% of T1 unless configured. */
    private OverloadMonitor watchOverload(long t1Ms) {
        var defaults = OverloadMonitor.Settings.forT1(t1Ms);
        var o = config.overload();
        var settings = new OverloadMonitor.Settings(o.threshold().orElse(defaults.threshold()), o.recovery(),
                defaults.sample());
        selfWatch = io.sipfleet.simulator.runtime.SelfWatch.start(settings, shards, signalling);
        LOG.infof("overload watch: threshold %.1f ms (%s), recovery %d ms", settings.threshold().toNanos() / 1e6,
                o.threshold().isPresent() ? "sipfleet.overload.threshold" : "10% of T1",
                settings.recovery().toMillis());
        return selfWatch.monitor();
    }

    /**
     * The failover paths, once, before anything else (README "Warm start"): the first failover a user
     * measures is then as punctual as the later ones. Its cost per SIP transaction is the capacity's first
     * measure; its cold lag is forgotten by the overload watch.
     */
    private void warmUp() {
        try {
            var r = io.sipfleet.simulator.warmup.WarmUp.run(shards, signalling,
                    io.sipfleet.simulator.warmup.WarmUp.Settings.defaults(),
                    io.sipfleet.simulator.runtime.Capacity.processCpu());
            if (r.complete() && r.transactions() >= 1_000) {
                fleets.capacity().ifPresent(c -> c.record(r.cpuNanosPerTransaction(), "measured at start-up"));
            }
        } catch (Exception e) {
            LOG.warnf(e, "warm-up failed; going on cold (the first failover may be late by milliseconds)");
        }
        overload.reset();
    }

    /** The simulator's own lag and whether it is overloaded. */
    public OverloadMonitor overload() {
        return overload;
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

    /** Prefix of the faults that carry out an external server's availability (PUT /api/servers/{host:port}). */
    public static final String AVAILABILITY = "availability-";

    /** The id of the fault that carries out {@code server}'s availability ({@code availability-127.0.0.9_5060}). */
    static String availabilityFault(String server) {
        return AVAILABILITY + server.replaceAll("[^A-Za-z0-9.-]", "_");
    }

    /**
     * A fault's target as the packets carry it: a built-in server's name gives its address; an
     * external host:port is taken with its host resolved to an address (packets carry addresses).
     */
    public Optional<String> resolveServer(String target) {
        if (builtin != null) {
            var s = builtin.find(target);
            if (s.isPresent()) {
                return Optional.of(s.get().address());
            }
        }
        return ServerDirectory.HOST_PORT.resolve(target).flatMap(hp -> {
            int colon = hp.lastIndexOf(':');
            String host = hp.substring(0, colon).replace("[", "").replace("]", "");
            try {
                String ip = java.net.InetAddress.getByName(host).getHostAddress();
                return Optional.of((ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + hp.substring(colon));
            } catch (java.net.UnknownHostException e) {
                return Optional.empty();
            }
        });
    }

    /** Adds a fault, validated whole first: on a bad definition nothing is applied. */
    public Fault addFault(FaultSpec spec) {
        return faultEngine.add(spec, System.currentTimeMillis());
    }

    public List<Fault> faults() {
        return faultEngine.list(System.currentTimeMillis());
    }

    public Optional<Fault> fault(String id) {
        return faultEngine.get(id, System.currentTimeMillis());
    }

    public boolean removeFault(String id) {
        return faultEngine.remove(id);
    }

    /**
     * An external server's availability, carried out by a fault on the phones' side of the wire:
     * silent drops, down answers like a closed port, 503/500 answer in the server's place, up removes it.
     *
     * @return the server's host:port as the packets carry it
     */
    public String externalAvailability(String hostPort, String mode) {
        String server = resolveServer(hostPort).orElseThrow(() -> new FaultsUnknownServer(hostPort));
        String id = availabilityFault(server);
        faultEngine.remove(id);
        FaultSpec spec = switch (mode) {
            case "up" -> null;
            case "silent" -> FaultSpec.of("blackhole", server).withDirection(Direction.BOTH);
            case "down" -> FaultSpec.of("unreachable", server);
            case "503", "500" -> FaultSpec.of("respond", server).withParams(Map.of("status", Integer.parseInt(mode)));
            default -> throw new IllegalArgumentException(mode);
        };
        if (spec != null) {
            faultEngine.add(spec.withName(id), System.currentTimeMillis());
        }
        return server;
    }

    /** The availability mode of an external server (up unless an availability fault is set). */
    public String externalMode(String server) {
        return faultEngine.get(availabilityFault(server), System.currentTimeMillis()).map(f -> switch (f.spec().type()) {
            case "blackhole" -> "silent";
            case "unreachable" -> "down";
            default -> String.valueOf(f.spec().params().get("status"));
        }).orElse("up");
    }

    /** A host:port that names no server (it does not resolve). */
    public static final class FaultsUnknownServer extends RuntimeException {
        public FaultsUnknownServer(String target) {
            super("'" + target + "' is neither a built-in server's name nor a host:port that resolves");
        }
    }

    /**
     * Back to a clean slate between test cases: every fault removed, every built-in server up, and
     * (unless {@code keepFleets}) every fleet deleted.
     */
    public Reset reset(boolean keepFleets) {
        int faultsRemoved = faultEngine.list(System.currentTimeMillis()).size();
        faultEngine.clear();
        int serversReset = 0;
        if (builtin != null) {
            for (var s : builtin.servers()) {
                if (s.mode() != io.sipfleet.simulator.builtin.Mode.UP) {
                    s.setMode(io.sipfleet.simulator.builtin.Mode.UP);
                    serversReset++;
                }
            }
        }
        List<String> deleted = new java.util.ArrayList<>();
        for (String r : List.copyOf(relays.keySet())) {
            stopRelay(r);
        }
        if (!keepFleets) {
            List<java.util.concurrent.CompletableFuture<Void>> gone = new java.util.ArrayList<>();
            for (var f : List.copyOf(fleets.fleets())) {
                fleets.delete(f.name()).ifPresent(gone::add);
                deleted.add(f.name());
            }
            java.util.concurrent.CompletableFuture.allOf(gone.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
        }
        return new Reset(faultsRemoved, serversReset, deleted);
    }

    /** What a reset did. */
    public record Reset(int faultsRemoved, int serversSetUp, List<String> fleetsDeleted) {}

    // ---- fault relays for physical phones ---------------------------------------------------------

    private final Map<String, FaultRelay> relays = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger relayNo = new java.util.concurrent.atomic.AtomicInteger();

    /** The fleet name a relay's clients have for fault selectors: {@code {"fleet":"relay:lab"}}. */
    public static String relayFleet(String relay) {
        return "relay:" + relay;
    }

    /**
     * Starts a fault relay: a SIP relay on {@code listenHost:listenPort} (UDP and TCP; port 0 = any free)
     * that a physical phone is pointed at instead of {@code upstream} (a built-in server's name or
     * host:port), with the faults of this service applied to its packets. Its clients are phones
     * {@code host:port} of fleet {@code relay:<name>}.
     *
     * @throws IllegalArgumentException naming the field for bad input
     * @throws IllegalStateException    when the name is taken
     */
    public synchronized FaultRelay startRelay(String name, String listenHost, int listenPort, String upstream)
            throws java.io.IOException {
        String id = name == null || name.isBlank() ? "relay-" + relayNo.incrementAndGet() : name;
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new io.sipfleet.device.InvalidInputException("name", "a relay name is letters, digits, '.', '_' "
                    + "and '-', at most 64; got '" + id + "'");
        }
        if (relays.containsKey(id)) {
            throw new NameTaken("a relay named '" + id + "' exists already; delete it first or choose another name");
        }
        String server = resolveServer(upstream == null ? "" : upstream).orElseThrow(() ->
                new io.sipfleet.device.InvalidInputException("upstream", "upstream is a built-in server's name or "
                        + "a host:port that resolves; got '" + upstream + "'"));
        int colon = server.lastIndexOf(':');
        String fleet = relayFleet(id);
        PacketPolicy scoped = new PacketPolicy() {
            @Override
            public io.sipfleet.faults.Verdict decide(io.sipfleet.faults.Packet p, long nowMs) {
                return faultEngine.decide(new io.sipfleet.faults.Packet(p.flow(), p.protocol(), p.kind(), p.server(),
                        p.phoneId(), fleet, p.model(), p.method(), p.status()), nowMs);
            }

            @Override
            public boolean active() {
                return faultEngine.active();
            }
        };
        FaultRelay r = FaultRelay.start(FaultRelay.Settings.of(listenHost, listenPort,
                server.substring(0, colon).replace("[", "").replace("]", ""),
                Integer.parseInt(server.substring(colon + 1))), scoped, System::currentTimeMillis);
        relays.put(id, r);
        LOG.infof("fault relay %s on %s (UDP, TCP) to %s", id, r.listenAddress(), r.upstream());
        return r;
    }

    public Map<String, FaultRelay> relays() {
        return java.util.Collections.unmodifiableMap(relays);
    }

    /** @return whether it was there */
    public boolean stopRelay(String id) {
        FaultRelay r = relays.remove(id);
        if (r != null) {
            r.close();
        }
        return r != null;
    }

    /** Malformed messages from servers the phones' stack counted and dropped. */
    public long malformedFromServers() {
        return signalling == null ? 0 : signalling.malformedCount();
    }

    /** The same, by transport and peer address (empty before the phones' stack is up). */
    public Optional<io.sipfleet.simulator.sip.MalformedMessages> malformedMessages() {
        return signalling == null ? Optional.empty() : Optional.of(signalling.malformed());
    }

    /** Whether the phones' SIP stack is up (readiness). */
    public boolean sipStackUp() {
        return signalling != null && fleets != null;
    }

    /** The built-in servers, when enabled. */
    public Optional<BuiltinServerGroup> builtin() {
        return Optional.ofNullable(builtin);
    }

    void stop(@Observes ShutdownEvent event) {
        relays.values().forEach(FaultRelay::close);
        relays.clear();
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
        if (selfWatch != null) {
            selfWatch.close();
        }
    }

    /** The phones' shards (tests stall them to drive the simulator past its capacity). */
    public ShardedScheduler shards() {
        return shards;
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
