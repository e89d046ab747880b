package io.sipfleet.simulator.scenario.run;

import io.sipfleet.device.Outputs;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.Transport;
import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Fault;
import io.sipfleet.faults.FaultSpec;
import io.sipfleet.faults.PhoneSelector;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.builtin.BuiltinServer;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.relay.ObservedPhone;
import io.sipfleet.simulator.relay.ObservedPhones;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.scenario.Action;
import io.sipfleet.simulator.scenario.Expectation;
import io.sipfleet.simulator.scenario.FleetDef;
import io.sipfleet.simulator.scenario.Scenario;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * {@code clock: real}: a run on a running {@link Simulator}, in real time, SIP on the wire. It makes the run's relays
 * and fleets, carries actions out as the REST API does, observes what the phones keep current and every event of
 * the run's fleets (a listener on the simulator's event thread, completed from each phone's own buffer when
 * deciding), and at the end puts back what the run changed.
 */
final class SimulatorStage implements Stage {
    private final Simulator sim;
    private final Scenario scenario;
    private final Map<String, String> faultIds = new LinkedHashMap<>();
    private final List<String> addedFaults = new ArrayList<>();
    private final List<String> relays = new ArrayList<>();
    private final List<String> fleets = new ArrayList<>();
    private final Map<String, List<RunPhone>> phonesByFleet = new ConcurrentHashMap<>();
    private final Map<String, Mode> builtinModes = new LinkedHashMap<>();
    private final Map<String, String> externalModes = new LinkedHashMap<>();
    private EventRecorder recorder;
    private AutoCloseable listening;
    private long startMs;

    /** @param simulator started, with the built-in servers the scenario uses (or the external ones reachable) */
    SimulatorStage(Simulator simulator, Scenario scenario) {
        this.sim = java.util.Objects.requireNonNull(simulator, "simulator");
        this.scenario = scenario;
        if (simulator.fleets() == null) {
            throw new IllegalStateException("the simulator is not started");
        }
    }

    @Override
    public long now() {
        return System.currentTimeMillis();
    }

    @Override
    public void pauseUntil(long atMs, Object lock, BooleanSupplier stop) throws InterruptedException {
        synchronized (lock) {
            long left;
            while (!stop.getAsBoolean() && (left = atMs - now()) > 0) {
                lock.wait(left);
            }
        }
    }

    // ============================================================================================ setting up

    /** What the servers are before the run, to put them back at its end; then the run's events. */
    @Override
    public void open(Journal journal, ScenarioRunner.Listener listener) {
        startMs = now();
        sim.builtin().ifPresent(g -> g.servers().forEach(s -> builtinModes.put(s.name(), s.mode())));
        for (Scenario.ServerDef d : scenario.servers().all()) {
            if (!d.builtin()) {
                externalModes.put(d.address(), sim.resolveServer(d.address()).map(sim::externalMode).orElse("up"));
            }
        }
        recorder = new EventRecorder(scenario.fleets().stream().map(FleetDef::name).collect(
                java.util.stream.Collectors.toSet()), listener);
        listening = sim.listen(recorder);
    }

    @Override
    public void startRelays(Journal journal) {
        for (Scenario.Relay r : scenario.relays()) {
            int colon = r.listen().lastIndexOf(':');
            String host = r.listen().substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(r.listen().substring(colon + 1));
            String upstream = scenario.servers().byRole(r.upstream()) != null ? serverName(r.upstream()) : r.upstream();
            try {
                var relay = sim.startRelay(r.name(), host, port, upstream);
                relays.add(r.name());
                journal.add("relay", "fleets", "relay " + r.name() + " listens on " + relay.listenAddress() + " for "
                        + upstream, Map.of("relay", r.name()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("relay " + r.name() + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void createFleets(Journal journal) {
        for (FleetDef f : scenario.fleets()) {
            LineConfig.Builder line = f.line().applyTo(LineConfig.builder());
            List<String> roles = f.servers();
            for (int i = 0; i < roles.size() && i < 2; i++) {
                Transport t = i == 0 ? f.line().transport() : f.line().backupTransport();
                String[] hp = address(roles.get(i), t);
                if (i == 0) {
                    line.registerAddr(hp[0]).registerPort(Integer.parseInt(hp[1]));
                } else {
                    line.backupAddr(hp[0]).backupPort(Integer.parseInt(hp[1]));
                }
            }
            FleetSpec spec = new FleetSpec(f.name(), f.model(), f.count(), f.firstUser(), f.password(),
                    f.authUser() == null ? "" : f.authUser(), f.rampPerSecond(), f.autoAnswer(),
                    Math.round(f.autoAnswerDelay() * 1000), line);
            Fleet fleet = sim.fleets().create(spec);
            fleets.add(fleet.name());
            phonesByFleet.put(fleet.name(), fleet.phones().stream().map(RunPhone::of).toList());
            journal.add("fleet", "fleets", "fleet " + f.name() + ": " + f.count() + " " + f.model().name()
                    + " phones on " + roles, Map.of("fleet", f.name(), "count", f.count(), "servers", roles));
        }
    }

    /** Host and port of a role's server for a line with transport {@code t} (the built-in TLS port for TLS). */
    private String[] address(String role, Transport t) {
        Scenario.ServerDef d = scenario.servers().byRole(role);
        if (d == null || d.builtin()) {
            BuiltinServer s = sim.builtinServer(role).orElseThrow(() -> new IllegalStateException(
                    "the scenario uses the built-in " + role + " server, and the simulator runs none"));
            return new String[] {s.host(), Integer.toString(t == Transport.TLS ? s.tlsPort() : s.port())};
        }
        return new String[] {d.host(), Integer.toString(d.port())};
    }

    /** The name the simulator knows a role's server by: the built-in server's name, or host:port. */
    private String serverName(String role) {
        Scenario.ServerDef d = scenario.servers().byRole(role);
        if (d == null) {
            return role; // a host:port given as it is
        }
        if (d.builtin()) {
            sim.builtinServer(role).orElseThrow(() -> new IllegalStateException("the scenario uses the built-in "
                    + role + " server, and the simulator runs none"));
            return role;
        }
        return d.address();
    }

    // ============================================================================================ actions

    @Override
    public String perform(Action a) {
        if (a instanceof Action.SetAvailability s) {
            var r = sim.availability(serverName(s.server()), Mode.parse(s.mode()));
            return r.name() + " (" + r.address() + ") is " + r.mode();
        }
        if (a instanceof Action.AddFault f) {
            Fault fault = sim.addFault(faultSpec(f.fault(), t -> scenario.servers().byRole(t) != null
                    ? serverName(t) : t));
            addedFaults.add(fault.id());
            if (f.fault().name() != null) {
                faultIds.put(f.fault().name(), fault.id());
            }
            return "fault " + fault.id() + " on " + (fault.server() == null ? "every server" : fault.server());
        }
        if (a instanceof Action.RemoveFault r) {
            String id = faultIds.getOrDefault(r.name(), r.name());
            return sim.removeFault(id) ? "fault " + id + " removed" : "fault " + id + " was not there";
        }
        return PhoneAction.of(a).map(this::each)
                .orElseThrow(() -> new IllegalArgumentException("not an action to carry out here: " + a));
    }

    /** On one phone, or on every phone of a fleet paced as the REST fleet commands are. */
    private String each(PhoneAction a) {
        Action.Target t = a.target();
        if (t.phone() != null) {
            PhoneHandle h = sim.fleets().phone(t.phone()).orElseThrow(() -> new IllegalArgumentException(
                    "no phone " + t.phone() + " (a relay's clients cannot be driven)"));
            h.command(a.apply());
            return "phone " + h.id();
        }
        Fleet f = sim.fleets().fleet(t.fleet()).filter(x -> fleets.contains(x.name()))
                .orElseThrow(() -> new IllegalArgumentException("no fleet " + t.fleet() + " of this run"));
        sim.fleets().forEachPaced(f, a.apply(), a.transactionsPerPhone());
        return f.phones().size() + " phones of " + f.name();
    }

    /**
     * A scenario's fault as the fault engine takes it.
     *
     * @param target the name the engine knows a target by (a role's server name, or host:port as given)
     */
    static FaultSpec faultSpec(Action.FaultDef d, UnaryOperator<String> target) {
        String server = d.target() == null ? null : target.apply(d.target());
        Set<String> methods = d.methods() == null ? null : new LinkedHashSet<>(d.methods().stream()
                .map(m -> m.toUpperCase(Locale.ROOT)).toList());
        Direction direction = d.direction() == null ? null : Direction.parse(d.direction()).orElseThrow(() ->
                new IllegalArgumentException("unknown direction " + d.direction()));
        return new FaultSpec(d.name(), d.type(), server, phones(d.phones()), methods, direction, d.probability(),
                d.params(), d.startDelaySeconds() == null ? null : Math.round(d.startDelaySeconds() * 1000),
                d.durationSeconds() == null ? null : Math.round(d.durationSeconds() * 1000));
    }

    /** A fault's {@code phones} as the parser keeps it ("all" or a one-key map) as a selector. */
    static PhoneSelector phones(Object v) {
        if (v == null || "all".equals(v)) {
            return null;
        }
        if (v instanceof Map<?, ?> m) {
            if (m.get("fleet") instanceof String f) {
                return new PhoneSelector.Fleet(f);
            }
            if (m.get("model") instanceof String model) {
                return new PhoneSelector.Model(model);
            }
            if (m.get("ids") instanceof List<?> ids) {
                Set<String> out = new HashSet<>();
                ids.forEach(x -> out.add(String.valueOf(x)));
                return new PhoneSelector.Ids(out);
            }
            if (m.get("sample") instanceof Number pct) {
                Object seed = m.get("seed");
                return new PhoneSelector.Sample(pct.doubleValue(), seed instanceof Number n ? n.longValue() : 0);
            }
        }
        throw new IllegalArgumentException("phones: " + v + " is not a phone selector");
    }

    // ============================================================================================ the end

    /** Leaves nothing of the run behind: its faults, the servers' availability, its relays, its fleets. */
    @Override
    public void cleanup(List<String> log) {
        for (String id : addedFaults) {
            try {
                if (sim.removeFault(id)) {
                    log.add("fault " + id + " removed");
                }
            } catch (RuntimeException e) {
                log.add("fault " + id + " not removed: " + e.getMessage());
            }
        }
        builtinModes.forEach((name, mode) -> sim.builtinServer(name).ifPresent(s -> {
            if (s.mode() != mode) {
                try {
                    sim.availability(name, mode);
                    log.add("server " + name + " back to " + mode.apiName());
                } catch (RuntimeException e) {
                    log.add("server " + name + " not set back to " + mode.apiName() + ": " + e.getMessage());
                }
            }
        }));
        externalModes.forEach((address, mode) -> {
            try {
                String now = sim.resolveServer(address).map(sim::externalMode).orElse("up");
                if (!now.equals(mode)) {
                    sim.externalAvailability(address, mode);
                    log.add("server " + address + " back to " + mode);
                }
            } catch (RuntimeException e) {
                log.add("server " + address + " not set back to " + mode + ": " + e.getMessage());
            }
        });
        for (String r : relays) {
            if (sim.stopRelay(r)) {
                log.add("relay " + r + " stopped");
            }
        }
        List<CompletableFuture<Void>> gone = new ArrayList<>();
        for (String f : fleets) {
            sim.fleets().delete(f).ifPresent(gone::add);
        }
        try {
            CompletableFuture.allOf(gone.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            fleets.forEach(f -> log.add("fleet " + f + " deleted"));
        } catch (Exception e) {
            log.add("fleets " + fleets + " not all deleted within 60 s: " + e);
        }
    }

    @Override
    public void close(List<String> log) {
        if (listening != null) {
            try {
                listening.close();
            } catch (Exception e) {
                log.add("listener not removed: " + e);
            }
        }
    }

    // ============================================================================================ observing

    @Override
    public List<String> fleets() {
        List<String> out = new ArrayList<>(fleets.stream().filter(f -> sim.fleets().fleet(f).isPresent()).toList());
        relays.forEach(r -> out.add(ObservedPhones.fleetOf(r))); // the phones behind them, observed on the wire
        return out;
    }

    @Override
    public Fleet.Summary summary(String fleet) {
        if (relayFleet(fleet)) {
            Map<String, Integer> byState = new java.util.TreeMap<>();
            Map<String, Integer> byServer = new java.util.TreeMap<>();
            int calls = 0;
            List<ObservedPhone> phones = observed(fleet);
            for (ObservedPhone p : phones) {
                PhoneHandle.Brief b = p.brief();
                byState.merge(b.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
                if (b.activeServer() != null) {
                    byServer.merge(b.activeServer(), 1, Integer::sum);
                }
                if (b.callState() != null && b.callState() != Outputs.CallState.IDLE) {
                    calls++;
                }
            }
            return new Fleet.Summary(phones.size(), phones.size(), byState, byServer, calls);
        }
        return sim.fleets().fleet(fleet).map(Fleet::summary).orElse(null);
    }

    @Override
    public Observer observer() {
        return observer;
    }

    private final Observer observer = new Observer() {
        @Override
        public List<RunPhone> phones(Expectation.Subject subject) {
            if (subject.phone() != null) {
                var own = sim.fleets().phone(subject.phone());
                if (own.isPresent()) {
                    return List.of(RunPhone.of(own.get()));
                }
                return observed(null).stream().filter(p -> p.id().equals(subject.phone())).map(RunPhone::of).toList();
            }
            return phones(subject.fleet());
        }

        @Override
        public List<RunPhone> phones(String fleet) {
            if (fleet != null && relayFleet(fleet)) {
                return observed(fleet).stream().map(RunPhone::of).toList();
            }
            if (fleet != null) {
                return sim.fleets().fleet(fleet).filter(f -> fleets.contains(f.name()))
                        .map(f -> phonesByFleet.getOrDefault(f.name(), List.of())).orElse(List.of());
            }
            List<RunPhone> out = new ArrayList<>();
            for (String f : fleets) {
                if (sim.fleets().fleet(f).isPresent()) {
                    out.addAll(phonesByFleet.getOrDefault(f, List.of()));
                }
            }
            observed(null).forEach(p -> out.add(RunPhone.of(p)));
            return out;
        }

        @Override
        public List<FleetEvent> events(RunPhone phone, boolean exact) {
            if (phone instanceof RunPhone.Observed o) {
                return o.phone().events(startMs); // kept by the phone itself, as the relay decided each message
            }
            if (exact && phone instanceof RunPhone.Real r) {
                return recorder.events(phone.id(), r.handle().events(startMs));
            }
            return recorder.events(phone.id());
        }

        @Override
        public OverloadMonitor overload() {
            return sim.overload();
        }

        @Override
        public String unobservable(Expectation.Subject subject) {
            return null; // the phones behind the run's relays are observed on the wire (ObservedPhones)
        }
    };

    /** Whether {@code fleet} is one of this run's relays' ({@code relay:{name}}). */
    private boolean relayFleet(String fleet) {
        return relays.stream().anyMatch(r -> ObservedPhones.fleetOf(r).equals(fleet));
    }

    /** The phones observed behind this run's relays: those of one relay fleet, or of all of them (null). */
    private List<ObservedPhone> observed(String fleet) {
        var all = sim.observedPhones();
        if (all.isEmpty()) {
            return List.of();
        }
        List<ObservedPhone> out = new ArrayList<>();
        for (ObservedPhone p : all.get().fleet(fleet)) {
            if (relays.stream().anyMatch(r -> p.inFleet(ObservedPhones.fleetOf(r)))) {
                out.add(p);
            }
        }
        return out;
    }
}
