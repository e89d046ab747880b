package io.sipfleet.simulator.fleet;

import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.Phone;
import io.sipfleet.device.PhoneSettings;
import io.sipfleet.device.config.InvalidConfigException;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.sip.SipSignalling;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.cluster.ClusterShard;
import io.sipfleet.simulator.runtime.AdaptiveRate;
import io.sipfleet.simulator.runtime.Capacity;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.runtime.TaskLoop;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Creates, finds and removes fleets of phones running on the sharded scheduler against one SIP
 * signalling adapter. Phones are powered on by a paced ramp (rampPerSecond, slowed while the simulator
 * lags) in the background; the fleet's {@link Fleet#ramp()} shows the progress. Every event a phone
 * emits is kept in its recent events and handed to the control plane's listeners off the phone's thread,
 * marked {@code overloaded} when the simulator was behind its own work as the phone decided it.
 */
public final class FleetManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FleetManager.class.getName());

    private final ShardedScheduler shards;
    private final SipSignalling signalling;
    private final SipTimers timers;
    private final EventDispatcher dispatcher;
    private final OverloadMonitor overload;
    private final long seed;
    private final int eventsPerPhone;
    private final EventBuffer.Budget eventBudget;
    private final Map<String, Fleet> fleets = new ConcurrentHashMap<>();
    private volatile Capacity capacity;
    private volatile ClusterShard cluster = ClusterShard.SINGLE;
    /** A SIP command is handed out at least this fast, whatever the capacity measured (phones/s). */
    private static final double MIN_SIP_COMMAND_RATE = 100;
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean enforceCapacity;
    /** The phones' SIP traces, when the signalling keeps them. */
    private volatile io.sipfleet.simulator.trace.SipTracer tracer;
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sipfleet-ramp");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param listeners      see every event of every phone (MQTT, metrics), on the event thread
     * @param overload       the simulator's lag watch (marks events, paces ramps); null: none
     * @param seed           seeds every phone's random source together with its id: runs repeat
     * @param eventsPerPhone how many recent events each phone keeps for GET /api/phones/{id}/events
     * @param eventsRetained how many events every phone keeps in all (past it, phones keep their latest)
     */
    public FleetManager(ShardedScheduler shards, SipSignalling signalling, SipTimers timers,
                        List<FleetListener> listeners, OverloadMonitor overload, long seed, int eventsPerPhone,
                        long eventsRetained) {
        this.eventBudget = new EventBuffer.Budget(eventsRetained);
        this.shards = shards;
        this.signalling = signalling;
        this.timers = timers;
        this.dispatcher = new EventDispatcher(listeners, 1_000_000);
        this.overload = overload;
        this.seed = seed;
        this.eventsPerPhone = eventsPerPhone;
    }

    /** Without a lag watch, for tests of the SIP wire: one listener. */
    public FleetManager(ShardedScheduler shards, SipSignalling signalling, SipTimers timers, FleetListener listener,
                        long seed, int eventsPerPhone) {
        this(shards, signalling, timers, listener == null ? List.of() : List.of(listener), null, seed, eventsPerPhone,
                Long.MAX_VALUE);
    }

    /**
     * Checks every new fleet's projected steady load against what this instance measured it can carry
     * (sampled every 5 s): beyond it the fleet is created with a warning, or refused when {@code enforce}.
     */
    public void capacity(Capacity capacity, boolean enforce) {
        this.capacity = capacity;
        this.enforceCapacity = enforce;
        pacer.scheduleAtFixedRate(capacity::sample, 5, 5, TimeUnit.SECONDS);
    }

    /**
     * Keeps the phones' SIP traces with {@code t}: it learns which phones exist and how many there are
     * (every phone is traced while they are few), and forgets a deleted fleet's.
     */
    public void tracer(io.sipfleet.simulator.trace.SipTracer t) {
        this.tracer = t;
        t.known(id -> phone(id).isPresent());
        t.phoneCount(phoneCount());
    }

    /**
     * The slice of every fleet this instance owns when several instances share the fleets (README "Scale-out"):
     * a fleet created from then on makes and powers on only its phones of that slice.
     */
    public void cluster(ClusterShard shard) {
        this.cluster = java.util.Objects.requireNonNull(shard, "shard");
    }

    public ClusterShard cluster() {
        return cluster;
    }

    /** Phones of every fleet. */
    public int phoneCount() {
        int n = 0;
        for (Fleet f : fleets.values()) {
            n += f.phones().size();
        }
        return n;
    }

    private void phonesChanged() {
        var t = tracer;
        if (t != null) {
            t.phoneCount(phoneCount());
        }
    }

    /**
     * A phone's SIP trace: its last messages sent and received, oldest first, with its servers named by
     * role. Asking starts the phone's trace if it was not traced (it is kept for a while after the last
     * time it is asked for: {@link io.sipfleet.simulator.trace.SipTracer.Settings#keep()}).
     *
     * @return empty when there is no such phone or no tracer
     */
    public Optional<io.sipfleet.simulator.trace.PhoneSipTrace> trace(String phoneId) {
        var t = tracer;
        Optional<PhoneHandle> h = phone(phoneId);
        if (t == null || h.isEmpty()) {
            return Optional.empty();
        }
        var messages = t.watch(phoneId);
        List<io.sipfleet.device.config.ServerConfig> servers;
        try {
            servers = h.get().call(p -> {
                List<io.sipfleet.device.config.ServerConfig> all = new ArrayList<>();
                for (int n = 1; n <= p.lineCount(); n++) {
                    all.addAll(p.lineConfig(n).servers());
                }
                return all;
            });
        } catch (PhoneBusyException e) {
            // its shard is behind: the servers it was created with
            servers = fleet(h.get().fleet()).map(f -> f.spec().lineFor(1).servers()).orElse(List.of());
        }
        return Optional.of(new io.sipfleet.simulator.trace.PhoneSipTrace(phoneId, t.tracingAll(), messages,
                io.sipfleet.simulator.trace.PhoneSipTrace.namesOf(servers)));
    }

    public Optional<Capacity> capacity() {
        return Optional.ofNullable(capacity);
    }

    /** The steady load of a fleet (SIP transactions a second): keep-alives and registration refreshes. */
    public static double steadyLoad(FleetSpec spec, LineConfig line) {
        return steadyLoad(spec, line, spec.count());
    }

    /** The steady load of {@code phones} phones of a fleet (this instance's slice of it). */
    private static double steadyLoad(FleetSpec spec, LineConfig line, int phones) {
        return Capacity.steadyLoad(phones, line.keepAliveInterval(), line.servers().isEmpty() ? 0
                : line.servers().get(0).ttl(), !spec.password().isEmpty());
    }

    /** The steady load of every fleet there is (on this instance: its phones of each). */
    public double steadyLoad() {
        return fleets.values().stream().mapToDouble(f -> steadyLoad(f.spec(), f.spec().lineFor(1), f.phones().size()))
                .sum();
    }

    /** A warning when the fleet would take the instance past its capacity (or the refusal). */
    private List<String> checkCapacity(FleetSpec spec, LineConfig line) {
        Capacity c = capacity;
        if (c == null) {
            return List.of();
        }
        int phones = cluster.owned(spec.count());
        double load = steadyLoad(spec, line, phones);
        double others = steadyLoad();
        double can = c.transactionsPerSecond();
        if (load + others <= can) {
            return List.of();
        }
        String text = String.format(java.util.Locale.ROOT, "projected steady load %,.0f SIP transactions/s "
                + "(this fleet %,.0f: %,d phones, OPTIONS every %d s, REGISTER refresh every %,.0f s; other fleets "
                + "%,.0f) exceeds what this instance measured it can carry: %s. Expect it to fall behind "
                + "(GET /api/status): use fewer phones, longer intervals, or more instances",
                load + others, load, phones, line.keepAliveInterval(),
                line.servers().isEmpty() ? 0 : 0.9 * line.servers().get(0).ttl(), others, c.describe());
        if (enforceCapacity) {
            throw new CapacityExceededException("fleet " + spec.name() + " refused (sipfleet.capacity.enforce=true): "
                    + text, load + others, can);
        }
        LOG.log(System.Logger.Level.WARNING, "fleet " + spec.name() + ": " + text);
        return List.of(text);
    }

    /** Events the phones keep in all (for GET /api/phones/{id}/events). */
    public long eventsRetained() {
        return eventBudget.total();
    }

    /** The queue of events on their way to the listeners. */
    public EventDispatcher events() {
        return dispatcher;
    }

    public SipTimers timers() {
        return timers;
    }

    /**
     * Creates a fleet and starts its ramp. Every phone's line is validated before any phone exists:
     * a refused fleet leaves nothing behind.
     *
     * @throws InvalidInputException   naming the bad field ({@code line.registerPort}, ...)
     * @throws FleetNameTakenException when the name is taken
     */
    public Fleet create(FleetSpec spec) {
        ClusterShard shard = cluster;
        int first = shard.first(spec.count());
        int last = shard.last(spec.count());
        // every phone's line, ours or not: every instance of a cluster accepts or refuses a fleet alike
        List<LineConfig> lines = new ArrayList<>(spec.count());
        try {
            for (int i = 1; i <= spec.count(); i++) {
                lines.add(spec.lineFor(i));
            }
        } catch (InvalidConfigException e) {
            throw new InvalidInputException("line." + e.field(), e.getMessage());
        }
        List<PhoneHandle> handles = new ArrayList<>(Math.max(0, last - first + 1));
        Fleet fleet;
        synchronized (fleets) {
            if (fleets.containsKey(spec.name())) {
                throw new FleetNameTakenException(spec.name());
            }
            List<String> warnings = checkCapacity(spec, lines.get(0));
            Fleet.Counts counts = new Fleet.Counts();
            CommandPacer commands = new CommandPacer(pacer, () -> adaptiveRate(0));
            for (int i = first; i <= last; i++) {
                String id = spec.phoneId(i);
                EventBuffer buffer = new EventBuffer(eventsPerPhone, eventBudget);
                PhoneSettings settings = new PhoneSettings(timers, PhoneSettings.DEFAULT_INTER_DIGIT_TIMEOUT_MS,
                        spec.autoAnswer(), spec.autoAnswerDelayMs(), seed * 31 + id.hashCode());
                PhoneHandle[] self = new PhoneHandle[1];
                Phone phone = new Phone(id, spec.model(), settings, shards.schedulerFor(id), signalling,
                        new PhoneListener() {
                            @Override
                            public void onEvent(PhoneEvent e) {
                                // a request that left late says itself that the simulator was behind
                                boolean late = e instanceof PhoneEvent.SentLate
                                        || overload != null && overload.overloadedNow();
                                if (late && overload != null) {
                                    overload.marked();
                                }
                                FleetEvent fe = new FleetEvent(e, late);
                                buffer.add(fe);
                                dispatcher.offer(fe);
                            }

                            @Override
                            public void onOutputsChanged(String phoneId) {
                                PhoneHandle h = self[0];
                                if (h != null) {
                                    h.outputsChanged();
                                }
                                dispatcher.outputsChanged(phoneId);
                            }
                        });
                phone.configureLine(1, lines.get(i - 1)); // not yet powered: nothing is sent
                PhoneHandle h = new PhoneHandle(spec.name(), phone, (TaskLoop) shards.executorFor(id), buffer, counts,
                        commands);
                self[0] = h;
                handles.add(h);
            }
            PowerOnRamp ramp = new PowerOnRamp(handles, spec.rampPerSecond(), adaptiveRate(spec.rampPerSecond()),
                    h -> h.phone().powerOn()); // on the phone's own shard; not once the fleet is deleted

            fleet = new Fleet(spec, first, shard, counts, handles, System.currentTimeMillis(), ramp, warnings,
                    commands);
            fleets.put(spec.name(), fleet);
            generation.incrementAndGet();
            phonesChanged();
            ramp.start(pacer);
        }
        LOG.log(System.Logger.Level.INFO, "fleet " + spec.name() + ": " + spec.count() + " phones"
                + (shard.clustered() ? " (" + shard + ": phones " + first + ".." + last + ", " + handles.size()
                        + " here)" : "") + ", powering on at "
                + (spec.rampPerSecond() == 0 ? "the pace the simulator keeps up with" : spec.rampPerSecond() + "/s"));
        return fleet;
    }

    private AdaptiveRate adaptiveRate(double requested) {
        return overload == null ? new AdaptiveRate(requested, () -> 0, 1)
                : new AdaptiveRate(requested, overload::workLagMs, overload.thresholdNanos() / 1e6);
    }

    /**
     * Carries {@code action} out on every phone of a fleet, each on its own shard, paced so that a mass
     * command (a fleet-wide re-registration, say) slows itself while the simulator lags; after the fleet's
     * earlier commands, before its later ones (see {@link CommandPacer}). Returns at once.
     */
    public void forEachPaced(Fleet fleet, Consumer<Phone> action) {
        fleet.commands().submit(fleet.phones(), action);
    }

    /**
     * As {@link #forEachPaced(Fleet, Consumer)}, for a command that starts SIP transactions on each phone
     * (a re-registration: {@code transactionsPerPhone} = 2 with digest authentication): handed out no
     * faster than this instance's measured capacity carries them ({@link Capacity#transactionsPerSecond()}),
     * so that what the phones decide together later (their failovers 15*T1 on, say) does not come in a
     * burst the simulator cannot send on time. Without a measured capacity, as fast as it keeps up.
     */
    public void forEachPaced(Fleet fleet, Consumer<Phone> action, int transactionsPerPhone) {
        Capacity c = capacity;
        if (c == null || transactionsPerPhone <= 0) {
            forEachPaced(fleet, action);
            return;
        }
        double perSecond = Math.max(MIN_SIP_COMMAND_RATE, c.transactionsPerSecond() / transactionsPerPhone);
        fleet.commands().submit(fleet.phones(), action, adaptiveRate(perSecond));
    }

    /**
     * The password of {@code user} in the fleet that has that user, or null: lets the built-in
     * servers know every phone's account without a copy to keep in step.
     */
    public String passwordOf(String user) {
        long u;
        try {
            u = Long.parseLong(user);
        } catch (NumberFormatException e) {
            return null;
        }
        for (Fleet f : fleets.values()) {
            FleetSpec s = f.spec();
            if (u >= s.firstUser() && u < s.firstUser() + s.count()) {
                return s.password().replace("{user}", user);
            }
        }
        return null;
    }

    /** Changes whenever a fleet is created or removed: what has the set of phones changed since, at a glance. */
    public long generation() {
        return generation.get();
    }

    public Optional<Fleet> fleet(String name) {
        return Optional.ofNullable(fleets.get(name));
    }

    public Collection<Fleet> fleets() {
        return List.copyOf(fleets.values());
    }

    /** The phone with id {@code fleet-i}. */
    public Optional<PhoneHandle> phone(String id) {
        int dash = id == null ? -1 : id.lastIndexOf('-');
        if (dash <= 0) {
            return Optional.empty();
        }
        Fleet f = fleets.get(id.substring(0, dash));
        if (f == null) {
            return Optional.empty();
        }
        String n = id.substring(dash + 1);
        if (n.isEmpty() || n.length() > 9 || n.charAt(0) < '1' || n.charAt(0) > '9' || !n.chars().allMatch(Character::isDigit)) {
            return Optional.empty(); // ids are written one way only: no sign, no leading zeros ("f-01" is not "f-1")
        }
        return Optional.ofNullable(f.phone(Integer.parseInt(n)));
    }

    /**
     * The shard that owns phone {@code id} when it is a phone of a fleet here that another instance powers
     * (README "Scale-out"); empty when it is ours, or no such phone.
     */
    public OptionalInt ownerElsewhere(String id) {
        int dash = id == null ? -1 : id.lastIndexOf('-');
        Fleet f = dash <= 0 ? null : fleets.get(id.substring(0, dash));
        if (f == null || !cluster.clustered()) {
            return OptionalInt.empty();
        }
        String n = id.substring(dash + 1);
        if (n.isEmpty() || n.length() > 9 || n.charAt(0) < '1' || n.charAt(0) > '9'
                || !n.chars().allMatch(Character::isDigit)) {
            return OptionalInt.empty();
        }
        int i = Integer.parseInt(n);
        int total = f.spec().count();
        if (i > total || f.phone(i) != null) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(f.shard().ownerOf(i, total));
    }

    /**
     * Removes a fleet: every phone powers off (a registered line sends REGISTER Expires: 0 once), then,
     * after a grace of 64*T1 at most for those to be answered, the fleet is gone.
     *
     * @return completes when the fleet is removed; empty when there is no such fleet
     */
    public Optional<CompletableFuture<Void>> delete(String name) {
        Fleet f = fleets.get(name);
        if (f == null) {
            return Optional.empty();
        }
        f.ramp().cancel();
        f.commands().cancel();
        List<CompletableFuture<Void>> offs = f.phones().stream().map(h -> h.runAsync(p -> {
            p.shutdown();
            h.removed();
        })).toList();
        long grace = Math.min(timers.transactionTimeout(), 4 * timers.t1() + 200);
        return Optional.of(CompletableFuture.allOf(offs.toArray(CompletableFuture[]::new))
                .thenCompose(v -> CompletableFuture.runAsync(() -> { },
                        CompletableFuture.delayedExecutor(grace, TimeUnit.MILLISECONDS)))
                .thenRun(() -> {
                    if (fleets.remove(name, f)) {
                        generation.incrementAndGet();
                        phonesChanged();
                    }
                    for (PhoneHandle h : f.phones()) {
                        signalling.forget(h.id(), h.phone().contactUsers()); // nothing of the fleet stays behind
                        h.forgetEvents();
                    }
                }));
    }

    @Override
    public void close() {
        for (Fleet f : fleets()) {
            delete(f.name()).ifPresent(CompletableFuture::join);
        }
        pacer.shutdownNow();
        dispatcher.close();
    }
}
