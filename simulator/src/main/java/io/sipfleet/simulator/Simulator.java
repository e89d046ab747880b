package io.sipfleet.simulator;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.faults.Fault;
import io.sipfleet.faults.FaultEngine;
import io.sipfleet.faults.FaultSpec;
import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.builtin.Accounts;
import io.sipfleet.simulator.builtin.BuiltinServer;
import io.sipfleet.simulator.builtin.BuiltinServerGroup;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.fleet.FleetListener;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.relay.FaultRelay;
import io.sipfleet.simulator.runtime.Capacity;
import io.sipfleet.simulator.runtime.Collector;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.runtime.SelfWatch;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.sip.JainSipSignalling;
import io.sipfleet.simulator.sip.MalformedMessages;
import io.sipfleet.simulator.sip.PacketFaults;
import io.sipfleet.simulator.sip.TlsMaterial;
import io.sipfleet.simulator.trace.SipTracer;
import io.sipfleet.simulator.warmup.WarmUp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The running simulator behind one plain-Java facade (architecture.md): the phones' shards, the phones'
 * SIP stack, the fleet manager, the watch on its own lag, the network faults, the built-in servers, server
 * availability, the fault relays and reset. Made from a {@link SimulatorSettings}; no framework. The
 * service, the scenario runner, tests and a command line all use this same object:
 * <pre>{@code
 * try (Simulator sim = Simulator.start(settings, List.of(listener))) {
 *     sim.fleets().create(spec);
 *     sim.builtin().orElseThrow().server("primary").setMode(Mode.DOWN);
 * }
 * }</pre>
 *
 * <p>{@link #Simulator(SimulatorSettings)} does nothing yet; {@link #start(List)} builds and starts
 * everything; {@link #close()} stops it all. Before start the accessors answer null or empty.
 */
public final class Simulator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Simulator.class.getName());

    private final SimulatorSettings settings;
    private final LongSupplier clockMs = System::currentTimeMillis;
    private volatile boolean started;
    private boolean closed;
    private ShardedScheduler shards;
    private JainSipSignalling signalling;
    private FleetManager fleets;
    private volatile BuiltinServerGroup builtin;
    private FaultEngine faultEngine;
    private SelfWatch selfWatch;
    private OverloadMonitor overload;
    private final ServerResolver servers = new ServerResolver(() -> Optional.ofNullable(builtin));
    private ServerAvailability availability;
    private Relays relays;

    /** Nothing runs until {@link #start(List)}. */
    public Simulator(SimulatorSettings settings) {
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
    }

    /** Made and started. */
    public static Simulator start(SimulatorSettings settings, List<FleetListener> listeners) throws Exception {
        Simulator s = new Simulator(settings);
        s.start(listeners);
        return s;
    }

    /**
     * Builds and starts everything: shards, the phones' SIP stack, the lag watch, the fleet manager and its
     * capacity, the warm-up, traces, faults, the built-in servers and the demo fleet. On a failure what was
     * started is stopped again.
     *
     * @param listeners see every event of every phone (MQTT, metrics, the live stream), on the event thread
     * @throws IllegalStateException when it was started already
     */
    public synchronized void start(List<FleetListener> listeners) throws Exception {
        if (started) {
            throw new IllegalStateException(closed ? "the simulator is closed" : "the simulator is started already");
        }
        started = true;
        try {
            build(List.copyOf(listeners));
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void build(List<FleetListener> listeners) throws Exception {
        var sip = settings.sip();
        shards = new ShardedScheduler(settings.shards());
        TlsMaterial tls = tlsMaterial(sip.tls());
        var stack = new JainSipSignalling.Settings(sip.bindAddress(), sip.port(), sip.threads(),
                Math.max(1000, 15 * sip.t1().toMillis()), "sipfleet");
        stack = sip.tls().enabled() ? stack.withTls(stack.tlsPort(), tls) : stack.withoutTls();
        stack = stack.withWireTolerance(settings.overload().wireTolerance());
        signalling = new JainSipSignalling(stack, shards::executeAt);
        overload = watchOverload(sip.t1().toMillis());
        fleets = new FleetManager(shards, signalling, new SipTimers(sip.t1().toMillis()), listeners, overload,
                settings.seed(), settings.eventsPerPhone(), settings.eventsRetained());
        fleets.cluster(settings.cluster());
        // until the load itself is measured, a conservative cost per transaction (the service as users run it)
        fleets.capacity(new Capacity(Capacity.processCpu(), signalling::transactions,
                Runtime.getRuntime().availableProcessors(), 500_000), settings.capacity().enforce());
        if (settings.warmUp().enabled()) {
            warmUp();
        }
        // per-phone SIP traces: every phone while they are few, otherwise the phones someone asks for
        var t = settings.trace();
        signalling.tracer().settings(new SipTracer.Settings(t.messages(), t.maxPhones(), t.keep(), t.maxWatched()));
        fleets.tracer(signalling.tracer());
        // network faults, applied on the phones' side of the wire (issue 4)
        faultEngine = new FaultEngine(settings.seed(), FaultTypes.standard(), servers);
        availability = new ServerAvailability(faultEngine, servers, clockMs);
        relays = new Relays(faultEngine, servers, clockMs);
        signalling.faults().directory(id -> fleets.phone(id)
                .map(h -> new PacketFaults.PhoneRef(id, h.fleet(), h.model()))
                .orElse(new PacketFaults.PhoneRef(id, null, null)));
        signalling.faults().policy(faultEngine);
        var tlsOn = stack.tlsEnabled();
        var tlsPort = stack.tlsPort();
        LOG.log(System.Logger.Level.INFO, () -> String.format("phones' SIP stack on %s:%d (UDP, TCP)%s, T1 = %d ms",
                sip.bindAddress(), sip.port(), tlsOn ? ", TLS on " + tlsPort : "", sip.t1().toMillis()));
        var b = settings.builtinServers();
        if (b.enabled()) {
            var group = BuiltinServerGroup.Config.primaryBackup(b.primaryHost(), b.primaryPort(), b.backupHost(),
                    b.backupPort());
            group = sip.tls().enabled() ? group.withTls(tls) : group.withoutTls();
            builtin = new BuiltinServerGroup(group.withT1Ms((int) sip.t1().toMillis()),
                    Accounts.withRule(fleets::passwordOf));
            LOG.log(System.Logger.Level.INFO, () -> String.format(
                    "built-in SIP servers: primary %s:%d, backup %s:%d (UDP, TCP%s)", b.primaryHost(),
                    b.primaryPort(), b.backupHost(), b.backupPort(), sip.tls().enabled() ? "; TLS on port + 1" : ""));
        }
        var demo = settings.demoFleet();
        if (demo.enabled() && builtin != null) {
            FirmwareProfile model = FirmwareProfile.byName(demo.model()).orElseThrow(() ->
                    new IllegalArgumentException("sipfleet.demo-fleet.model: unknown model " + demo.model()));
            fleets.create(new FleetSpec(demo.name(), model, demo.count(), demo.firstUser(), "pw{user}", "", 0, true,
                    1000, LineConfig.builder().registerAddr(b.primaryHost()).registerPort(b.primaryPort())
                    .backupAddr(b.backupHost()).backupPort(b.backupPort()).user("demo")
                    // a demo shows a failover within seconds: keep-alive every 5 s, failback probes every 30 s
                    .keepAliveInterval(5).failbackInterval(30)));
            LOG.log(System.Logger.Level.INFO, () -> String.format(
                    "demo fleet '%s': %d %s phones, users %d.., on the built-in servers", demo.name(), demo.count(),
                    model.name(), demo.firstUser()));
        }
    }

    /** The configured stores, or null (the generated material) when there are none or TLS is off. */
    private static TlsMaterial tlsMaterial(SimulatorSettings.Tls t) {
        if (!t.enabled() || t.stores().isEmpty()) {
            return null;
        }
        var s = t.stores().get();
        return TlsMaterial.of(s.keyStore(), s.keyStorePassword(), s.trustStore(), s.trustStorePassword(),
                s.storeType());
    }

    /** The watch on the simulator's own lag (README "Overload"): threshold 10% of T1 unless configured. */
    private OverloadMonitor watchOverload(long t1Ms) {
        String collector = Collector.name();
        Collector.advice(collector).ifPresentOrElse(a -> LOG.log(System.Logger.Level.WARNING, a),
                () -> LOG.log(System.Logger.Level.INFO, () -> "garbage collector: " + collector));
        var defaults = OverloadMonitor.Settings.forT1(t1Ms);
        var o = settings.overload();
        var s = new OverloadMonitor.Settings(o.threshold().orElse(defaults.threshold()), o.recovery(),
                defaults.sample());
        selfWatch = SelfWatch.start(s, shards, signalling);
        LOG.log(System.Logger.Level.INFO, () -> String.format("overload watch: threshold %.1f ms (%s), recovery %d ms",
                s.threshold().toNanos() / 1e6, o.threshold().isPresent() ? "sipfleet.overload.threshold" : "10% of T1",
                s.recovery().toMillis()));
        return selfWatch.monitor();
    }

    /**
     * The failover paths, once, before anything else (README "Warm start"): the first failover a user
     * measures is then as punctual as the later ones. Its cost per SIP transaction is the capacity's first
     * measure; its cold lag is forgotten by the overload watch.
     */
    private void warmUp() {
        try {
            var r = WarmUp.run(shards, signalling, WarmUp.Settings.defaults(), Capacity.processCpu());
            if (r.complete() && r.transactions() >= 1_000) {
                fleets.capacity().ifPresent(c -> c.record(r.cpuNanosPerTransaction(), "measured at start-up"));
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING,
                    "warm-up failed; going on cold (the first failover may be late by milliseconds)", e);
        }
        overload.reset();
    }

    public SimulatorSettings settings() {
        return settings;
    }

    /** The simulator's own lag and whether it is overloaded (null before start). */
    public OverloadMonitor overload() {
        return overload;
    }

    /** The fleets and their phones (null before start). */
    public FleetManager fleets() {
        return fleets;
    }

    /**
     * Adds a listener to the phones' events while the simulator runs (a scenario run's observer), beside the
     * ones given at start; {@code close()} of the result removes it again.
     */
    public AutoCloseable listen(FleetListener listener) {
        var dispatcher = started().fleets.events();
        dispatcher.addListener(listener);
        return () -> dispatcher.removeListener(listener);
    }

    /** The phones' SIP stack (null before start). */
    public JainSipSignalling signalling() {
        return signalling;
    }

    /** The phones' shards (null before start; tests stall them to drive the simulator past its capacity). */
    public ShardedScheduler shards() {
        return shards;
    }

    /** The built-in servers, when enabled and started. */
    public Optional<BuiltinServerGroup> builtin() {
        return Optional.ofNullable(builtin);
    }

    /** Whether the phones' SIP stack is up (readiness). */
    public boolean sipStackUp() {
        return signalling != null && fleets != null;
    }

    /** Malformed messages from servers the phones' stack counted and dropped. */
    public long malformedFromServers() {
        return signalling == null ? 0 : signalling.malformedCount();
    }

    /** The same, by transport and peer address (empty before the phones' stack is up). */
    public Optional<MalformedMessages> malformedMessages() {
        return signalling == null ? Optional.empty() : Optional.of(signalling.malformed());
    }

    // ---- servers ----------------------------------------------------------------------------------

    /**
     * A fault's target as the packets carry it: a built-in server's name gives its address; an
     * external host:port is taken with its host resolved to an address (packets carry addresses).
     */
    public Optional<String> resolveServer(String target) {
        return servers.resolve(target);
    }

    /**
     * A server's availability ({@link ServerAvailability}): a built-in server (by name or host:port) takes
     * the mode itself; an external host:port's is carried out by a fault on the phones' side of the wire.
     *
     * @throws UnknownServerException for a name that is neither a built-in server nor a host:port that resolves
     */
    public ServerAvailability.Result availability(String name, Mode mode) {
        return started().availability.set(name, mode);
    }

    /** Whether {@code name} is a host:port that is not a built-in server's (its availability is faults). */
    public boolean isExternalServer(String name) {
        return servers.isExternal(name);
    }

    /** A built-in server by name or by its host:port. */
    public Optional<BuiltinServer> builtinServer(String name) {
        return servers.builtin(name);
    }

    /**
     * An external server's availability, carried out by a fault on the phones' side of the wire
     * ({@link ServerAvailability}).
     *
     * @param mode up, 503, 500, silent or down
     * @return the server's host:port as the packets carry it
     * @throws UnknownServerException when {@code hostPort} does not resolve
     */
    public String externalAvailability(String hostPort, String mode) {
        return started().availability.setExternal(hostPort, mode);
    }

    /** The availability mode of an external server (up unless an availability fault is set). */
    public String externalMode(String server) {
        return started().availability.mode(server);
    }

    // ---- faults -----------------------------------------------------------------------------------

    /** Adds a fault, validated whole first: on a bad definition nothing is applied. */
    public Fault addFault(FaultSpec spec) {
        return started().faultEngine.add(spec, clockMs.getAsLong());
    }

    /** Every fault, expired ones too. */
    public List<Fault> faults() {
        return started().faultEngine.list(clockMs.getAsLong());
    }

    public Optional<Fault> fault(String id) {
        return started().faultEngine.get(id, clockMs.getAsLong());
    }

    /** @return whether it was there */
    public boolean removeFault(String id) {
        return started().faultEngine.remove(id);
    }

    // ---- fault relays for physical phones ---------------------------------------------------------

    /** The fleet name a relay's clients have for fault selectors: {@code {"fleet":"relay:lab"}}. */
    public static String relayFleet(String relay) {
        return Relays.fleetOf(relay);
    }

    /**
     * Starts a fault relay ({@link Relays#start}): a SIP relay on {@code listenHost:listenPort} (UDP and TCP;
     * port 0 = any free) that a physical phone is pointed at instead of {@code upstream} (a built-in server's
     * name or host:port), with this simulator's faults applied to its packets.
     *
     * @throws io.sipfleet.device.InvalidInputException naming the field for bad input
     * @throws NameTakenException                       when the name is taken
     */
    public FaultRelay startRelay(String name, String listenHost, int listenPort, String upstream) throws IOException {
        return started().relays.start(name, listenHost, listenPort, upstream);
    }

    /** The running relays by name. */
    public Map<String, FaultRelay> relays() {
        return relays == null ? Map.of() : relays.all();
    }

    /**
     * The real phones behind the relays, observed on the wire (README "Relay phones"): listed as fleet
     * {@code relay:{name}}; empty before the simulator started.
     */
    public java.util.Optional<io.sipfleet.simulator.relay.ObservedPhones> observedPhones() {
        return relays == null ? java.util.Optional.empty() : java.util.Optional.of(relays.phones());
    }

    /** @return whether it was there */
    public boolean stopRelay(String name) {
        return relays != null && relays.stop(name);
    }

    // ---- reset ------------------------------------------------------------------------------------

    /**
     * Back to a clean slate between test cases: every fault and relay removed, every built-in server up,
     * and (unless {@code keepFleets}) every fleet deleted, its phones unregistered first.
     */
    public Reset reset(boolean keepFleets) {
        started();
        int faultsRemoved = faultEngine.list(clockMs.getAsLong()).size();
        faultEngine.clear();
        int serversReset = 0;
        if (builtin != null) {
            for (var s : builtin.servers()) {
                if (s.mode() != Mode.UP) {
                    s.setMode(Mode.UP);
                    serversReset++;
                }
            }
        }
        relays.stopAll();
        List<String> deleted = new ArrayList<>();
        if (!keepFleets) {
            List<CompletableFuture<Void>> gone = new ArrayList<>();
            for (var f : List.copyOf(fleets.fleets())) {
                fleets.delete(f.name()).ifPresent(gone::add);
                deleted.add(f.name());
            }
            CompletableFuture.allOf(gone.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).join();
        }
        return new Reset(faultsRemoved, serversReset, deleted);
    }

    private Simulator started() {
        if (faultEngine == null) {
            throw new IllegalStateException("the simulator is not started");
        }
        return this;
    }

    /** Stops everything it started: relays, fleets, the phones' stack, the built-in servers, shards, the watch. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (relays != null) {
            relays.close();
        }
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
}
