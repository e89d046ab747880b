package io.sipfleet.simulator.scenario.run;

import io.sipfleet.device.Outputs;
import io.sipfleet.device.Phone;
import io.sipfleet.device.PhoneSettings;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.device.time.VirtualScheduler;
import io.sipfleet.device.virtual.SipWorld;
import io.sipfleet.faults.Fault;
import io.sipfleet.faults.FaultEngine;
import io.sipfleet.faults.FaultTypes;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.Protocol;
import io.sipfleet.faults.ServerDirectory;
import io.sipfleet.faults.Verdict;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.scenario.Action;
import io.sipfleet.simulator.scenario.Expectation;
import io.sipfleet.simulator.scenario.FleetDef;
import io.sipfleet.simulator.scenario.Scenario;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * {@code clock: virtual}: a run on the device model's virtual clock ({@link VirtualScheduler}) against the in-memory
 * redundant server pair ({@link SipWorld}: registrar + proxy sharing accounts, registrations and dialogs; up / 503 /
 * 500 / silent / down), the scenario's faults decided by the same {@link FaultEngine} as on the wire, on virtual time.
 * Time stands still while the runner looks and jumps when it waits: hours of simulated time take seconds. Everything
 * runs on the runner's thread, in the order of the virtual instants (ties in the order scheduled), with every random
 * source seeded from the scenario's {@code seed}: two runs of one file give the same journal, byte for byte.
 *
 * <p>What it does not simulate: the wire (no sockets, no JAIN-SIP, no TLS, no TCP connections), the simulator's own
 * lag ({@code overloaded} is always false), server capacity (a server answers every request at once), and pacing
 * (fleet-wide commands reach every phone at the same instant; {@code rampPerSecond: 0} powers every phone on at
 * once).
 *
 * <p>It counts the REGISTER requests each server receives and accepts per second of the run (the storm a failover
 * makes) and reports them at the end (journal entry {@code register-rate}; {@link Reports} writes them as CSV).
 */
final class VirtualStage implements Stage {
    /** The virtual clock's epoch ms at the start of a run: 2000-01-01T00:00:00Z, so journals show virtual instants. */
    static final long EPOCH_MS = 946_684_800_000L;
    static final String PRIMARY_HOST = "127.0.0.2";
    static final String BACKUP_HOST = "127.0.0.3";
    static final int PORT = 5060;

    private final Scenario scenario;
    private final VirtualScheduler clock = new VirtualScheduler(EPOCH_MS);
    private final SipWorld world = new SipWorld(clock).logging(false);
    private final SipTimers timers;
    private final FaultEngine faults;
    private final Map<String, VirtualPhone> phones = new HashMap<>();
    private final Map<String, List<RunPhone>> byFleet = new LinkedHashMap<>();
    private final Map<String, String> faultIds = new LinkedHashMap<>();
    private final RegisterRate rate = new RegisterRate(EPOCH_MS);
    private ScenarioRunner.Listener listener = ScenarioRunner.Listener.NONE;
    private long changes;

    VirtualStage(Scenario scenario) {
        if (scenario.clock() != Scenario.ClockMode.VIRTUAL) {
            throw new IllegalArgumentException("not a clock: virtual scenario");
        }
        this.scenario = scenario;
        this.timers = new SipTimers(scenario.t1().toMillis());
        world.addServer("primary", PRIMARY_HOST, PORT);
        world.addServer("backup", BACKUP_HOST, PORT);
        ServerDirectory directory = target -> switch (target) {
            case "primary" -> Optional.of(PRIMARY_HOST + ":" + PORT);
            case "backup" -> Optional.of(BACKUP_HOST + ":" + PORT);
            default -> ServerDirectory.HOST_PORT.resolve(target);
        };
        this.faults = new FaultEngine(scenario.seed(), FaultTypes.standard(), directory);
        world.faults(new EngineFaults());
        world.tap(rate);
    }

    /** The phone of a virtual run: the device model's {@link Phone} and every event it emitted. */
    private static final class VirtualPhone implements RunPhone {
        final String fleet;
        final Phone phone;
        final List<FleetEvent> events = new ArrayList<>(8);
        private PhoneHandle.Brief last;

        VirtualPhone(String fleet, Phone phone) {
            this.fleet = fleet;
            this.phone = phone;
        }

        /** Whether line 1 or the call shows something else than at the last call. */
        boolean changed() {
            PhoneHandle.Brief b = RunPhone.briefOf(phone, 1);
            boolean changed = !b.equals(last);
            last = b;
            return changed;
        }

        @Override
        public String id() {
            return phone.phoneId();
        }

        @Override
        public PhoneHandle.Brief brief() {
            return RunPhone.briefOf(phone, 1);
        }

        @Override
        public PhoneHandle.Brief brief(int line) {
            return RunPhone.briefOf(phone, line);
        }
    }

    @Override
    public long now() {
        return clock.now();
    }

    /** Runs the world up to {@code atMs} at once (an abort is seen at the next look). */
    @Override
    public void pauseUntil(long atMs, Object lock, BooleanSupplier stop) {
        if (atMs > clock.now() && !stop.getAsBoolean()) {
            clock.advanceTo(atMs);
        }
    }

    /** How many events and output changes the phones made so far: nothing changed between two equal counts. */
    @Override
    public long changes() {
        return changes;
    }

    @Override
    public void open(Journal journal, ScenarioRunner.Listener listener) {
        this.listener = listener == null ? ScenarioRunner.Listener.NONE : listener;
        journal.add("world", "fleets", "virtual time from " + java.time.Instant.ofEpochMilli(EPOCH_MS) + ": the in-memory "
                + "pair primary " + PRIMARY_HOST + ":" + PORT + ", backup " + BACKUP_HOST + ":" + PORT + ", T1 = "
                + timers.t1() + " ms, seed " + scenario.seed(), Map.of("clock", "virtual", "seed", scenario.seed(),
                "t1Ms", timers.t1()));
    }

    @Override
    public void startRelays(Journal journal) {
        if (!scenario.relays().isEmpty()) {
            throw new IllegalStateException("relays are real-time only (clock: virtual has no wire)");
        }
    }

    @Override
    public void createFleets(Journal journal) {
        for (FleetDef f : scenario.fleets()) {
            if (f.servers().size() > 2) {
                throw new IllegalStateException("fleet " + f.name() + ": the virtual pair has two servers");
            }
            LineConfig.Builder line = f.line().applyTo(LineConfig.builder());
            for (int i = 0; i < f.servers().size(); i++) {
                String host = "primary".equals(f.servers().get(i)) ? PRIMARY_HOST : BACKUP_HOST;
                if (i == 0) {
                    line.registerAddr(host).registerPort(PORT);
                } else {
                    line.backupAddr(host).backupPort(PORT);
                }
            }
            FleetSpec spec = new FleetSpec(f.name(), f.model(), f.count(), f.firstUser(), f.password(),
                    f.authUser() == null ? "" : f.authUser(), f.rampPerSecond(), f.autoAnswer(),
                    Math.round(f.autoAnswerDelay() * 1000), line);
            List<RunPhone> list = new ArrayList<>(f.count());
            long created = clock.now();
            for (int i = 1; i <= f.count(); i++) {
                String id = spec.phoneId(i);
                String user = spec.user(i);
                LineConfig config = spec.lineFor(i);
                world.account(config.authUser().isEmpty() ? user : config.authUser(), config.password());
                PhoneSettings settings = new PhoneSettings(timers, PhoneSettings.DEFAULT_INTER_DIGIT_TIMEOUT_MS,
                        spec.autoAnswer(), spec.autoAnswerDelayMs(), scenario.seed() * 31 + id.hashCode());
                VirtualPhone[] self = new VirtualPhone[1];
                Phone phone = new Phone(id, f.model(), settings, clock, world, new PhoneListener() {
                    @Override
                    public void onEvent(PhoneEvent e) {
                        FleetEvent fe = new FleetEvent(e, false);
                        self[0].events.add(fe);
                        changes++;
                        listener.onEvent(fe);
                    }

                    @Override
                    public void onOutputsChanged(String phoneId) {
                        // what the expectations see (state, server, call); a refresh changes none of it
                        VirtualPhone p = self[0];
                        if (p != null && p.changed()) {
                            changes++;
                        }
                    }
                });
                VirtualPhone vp = new VirtualPhone(f.name(), phone);
                self[0] = vp;
                phone.configureLine(1, config);
                phones.put(id, vp);
                list.add(vp);
                long at = f.rampPerSecond() > 0 ? Math.round((i - 1) * 1000.0 / f.rampPerSecond()) : 0;
                clock.schedule(created + at - clock.now(), phone::powerOn);
            }
            byFleet.put(f.name(), List.copyOf(list));
            journal.add("fleet", "fleets", "fleet " + f.name() + ": " + f.count() + " " + f.model().name()
                    + " phones on " + f.servers() + (f.rampPerSecond() > 0 ? ", powered on at " + f.rampPerSecond()
                    + "/s" : ", all powered on at once"), Map.of("fleet", f.name(), "count", f.count(), "servers",
                    f.servers()));
        }
    }

    // ============================================================================================ actions

    @Override
    public String perform(Action a) {
        if (a instanceof Action.SetAvailability s) {
            SipWorld.Server server = world.server(s.server());
            server.mode(SipWorld.Mode.parse(s.mode()));
            return s.server() + " (" + server.hostPort() + ") is " + server.mode().label();
        }
        if (a instanceof Action.AddFault f) {
            Fault fault = faults.add(SimulatorStage.faultSpec(f.fault(), t -> t), clock.now());
            if (f.fault().name() != null) {
                faultIds.put(f.fault().name(), fault.id());
            }
            return "fault " + fault.id() + " on " + (fault.server() == null ? "every server" : fault.server());
        }
        if (a instanceof Action.RemoveFault r) {
            String id = faultIds.getOrDefault(r.name(), r.name());
            return faults.remove(id) ? "fault " + id + " removed" : "fault " + id + " was not there";
        }
        return PhoneAction.of(a).map(this::each)
                .orElseThrow(() -> new IllegalArgumentException("not an action to carry out here: " + a));
    }

    /** On one phone, or on every phone of a fleet, all at this instant. */
    private String each(PhoneAction a) {
        Action.Target t = a.target();
        Consumer<Phone> action = a.apply();
        if (t.phone() != null) {
            VirtualPhone p = phones.get(t.phone());
            if (p == null) {
                throw new IllegalArgumentException("no phone " + t.phone());
            }
            action.accept(p.phone);
            return "phone " + p.id();
        }
        List<RunPhone> list = byFleet.get(t.fleet());
        if (list == null) {
            throw new IllegalArgumentException("no fleet " + t.fleet() + " of this run");
        }
        for (RunPhone p : list) {
            action.accept(((VirtualPhone) p).phone);
        }
        return list.size() + " phones of " + t.fleet();
    }

    // ============================================================================================ the end

    @Override
    public void report(Journal journal) {
        journal.add("register-rate", null, rate.describe(), rate.data());
    }

    /** The virtual world is the run's own: its faults are cleared, and it goes with its phones. */
    @Override
    public void cleanup(List<String> log) {
        for (Fault f : faults.list(clock.now())) {
            faults.remove(f.id());
            log.add("fault " + f.id() + " removed");
        }
        byFleet.forEach((name, list) -> log.add("fleet " + name + " deleted (" + list.size()
                + " virtual phones, with the run's world)"));
    }

    @Override
    public void close(List<String> log) {
        byFleet.clear();
        phones.clear();
    }

    /** The REGISTER counts per server and second, for a test or a report. */
    RegisterRate rate() {
        return rate;
    }

    /** The in-memory pair (for tests). */
    SipWorld world() {
        return world;
    }

    // ============================================================================================ observing

    @Override
    public List<String> fleets() {
        return List.copyOf(byFleet.keySet());
    }

    @Override
    public Fleet.Summary summary(String fleet) {
        List<RunPhone> list = byFleet.get(fleet);
        if (list == null) {
            return null;
        }
        Map<String, Integer> byState = new TreeMap<>();
        Map<String, Integer> byServer = new TreeMap<>();
        int calls = 0;
        int powered = 0;
        for (RunPhone p : list) {
            PhoneHandle.Brief b = p.brief();
            byState.merge(b.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
            if (b.activeServer() != null) {
                byServer.merge(b.activeServer(), 1, Integer::sum);
            }
            if (b.callState() != null && b.callState() != Outputs.CallState.IDLE) {
                calls++;
            }
            if (((VirtualPhone) p).phone.powered()) {
                powered++;
            }
        }
        return new Fleet.Summary(list.size(), powered, byState, byServer, calls);
    }

    @Override
    public Observer observer() {
        return observer;
    }

    private final Observer observer = new Observer() {
        @Override
        public List<RunPhone> phones(Expectation.Subject subject) {
            if (subject.phone() != null) {
                VirtualPhone p = phones.get(subject.phone());
                return p == null ? List.of() : List.of(p);
            }
            return phones(subject.fleet());
        }

        @Override
        public List<RunPhone> phones(String fleet) {
            if (fleet != null) {
                return byFleet.getOrDefault(fleet, List.of());
            }
            List<RunPhone> out = new ArrayList<>();
            byFleet.values().forEach(out::addAll);
            return out;
        }

        @Override
        public List<FleetEvent> events(RunPhone phone, boolean exact) {
            return phone instanceof VirtualPhone v ? v.events : List.of();
        }

        @Override
        public OverloadMonitor overload() {
            return null; // virtual time is never behind
        }

        @Override
        public String unobservable(Expectation.Subject subject) {
            return null;
        }
    };

    // ============================================================================================ faults

    /** The scenario's faults, decided per message by the fault engine at the virtual instant. */
    private final class EngineFaults implements SipWorld.Faults {
        @Override
        public SipWorld.Fate toServer(OutboundRequest r, SipWorld.Server server, long now) {
            if (faults.isEmpty()) {
                return SipWorld.Fate.PASS;
            }
            VirtualPhone p = phones.get(r.phoneId());
            Verdict v = faults.decide(Packet.request(protocol(r), server.hostPort(), r.phoneId(),
                    p == null ? null : p.fleet, p == null ? null : p.phone.profile().name(), r.method().name()), now);
            return fate(v);
        }

        @Override
        public SipWorld.Fate fromServer(OutboundRequest r, SipWorld.Server server, int status, long now) {
            if (faults.isEmpty()) {
                return SipWorld.Fate.PASS;
            }
            VirtualPhone p = phones.get(r.phoneId());
            Verdict v = faults.decide(new Packet(Packet.Flow.FROM_SERVER, protocol(r), Packet.Kind.MESSAGE,
                    server.hostPort(), r.phoneId(), p == null ? null : p.fleet,
                    p == null ? null : p.phone.profile().name(), r.method().name(), status), now);
            return fate(v);
        }

        private Protocol protocol(OutboundRequest r) {
            return switch (r.server().transport()) {
                case UDP -> Protocol.UDP;
                case TCP -> Protocol.TCP;
                case TLS -> Protocol.TLS;
            };
        }

        private SipWorld.Fate fate(Verdict v) {
            if (v instanceof Verdict.Drop) {
                return SipWorld.Fate.drop();
            }
            if (v instanceof Verdict.Delay d) {
                return SipWorld.Fate.delay(d.millis());
            }
            if (v instanceof Verdict.Duplicate d) {
                return SipWorld.Fate.duplicate(d.copies(), d.spacingMillis());
            }
            if (v instanceof Verdict.Respond r) {
                return SipWorld.Fate.respond(r.status(), r.reason());
            }
            if (v instanceof Verdict.Unreachable || v instanceof Verdict.Reset) {
                return SipWorld.Fate.unreachable();
            }
            if (v instanceof Verdict.ConnectTimeout) {
                return SipWorld.Fate.drop();
            }
            return SipWorld.Fate.PASS;
        }
    }
}
