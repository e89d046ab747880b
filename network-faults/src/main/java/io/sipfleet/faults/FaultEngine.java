package io.sipfleet.faults;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * The faults in force and the pure decision "what happens to this packet now". Thread-safe; no
 * sockets, no timers, no clock of its own: callers pass the simulation time.
 *
 * <p>Matching: a fault matches a packet when it is active ({@code startsAt <= now < endsAt}), its
 * server is the packet's (or it has none), its phone selector takes the packet's phone, its methods
 * (if any) contain the packet's method (then only SIP messages match: keep-alives and connects do
 * not), and its direction matches the packet's flow. Every match is counted ({@code matched}). Then,
 * unless the type {@linkplain FaultType#ownsProbability() owns the probability}, one draw against
 * the probability decides whether the fault acts at all; if it does, the type's behaviour gives the
 * verdict, counted by kind.
 *
 * <p>Determinism: every random draw is a function of the engine's seed, the fault's id, the
 * packet's flow (phone, server, direction) and the packet's place in that flow (the n-th packet of
 * that flow this fault was asked about). So with the same seed the same phones see the same
 * decisions however the packets of different phones interleave. Technically: each matched packet
 * gets a fresh {@link SplittableRandom} seeded with a 64-bit mix of (seed, hash of the fault id,
 * hash of the flow, n); hashes are fixed algorithms, identical on every JVM. Two packets of the
 * <em>same</em> flow asked about concurrently get distinct n, but which gets which is up to the
 * race (as is the order they would reach the wire).
 *
 * <p>Memory: each fault keeps one counter per flow it has matched (about 150 bytes each: a key, a
 * map node and an {@link AtomicLong}), for as long as the fault is held; 100,000 flows cost about
 * 15 MB. A {@code loss} fault with {@code model=bursty} keeps a similar small object per flow.
 * Removing the fault (or {@link #clear()}) frees both.
 *
 * <p>Several faults can match one packet: they are asked in the order they were added, and the
 * first that does something (any verdict but PASS) decides. Faults after it are not asked, so
 * neither their {@code matched} counters nor their flows' packet numbers move.
 *
 * <p>Cost: {@link #isEmpty()} and {@link #active()} are one volatile read; {@link #decide} reads a
 * copy-on-write array without locking and, per fault that matches, does one map lookup, a few
 * counter increments and one small allocation. Adding and removing faults copy the array under a
 * lock.
 */
public final class FaultEngine implements PacketPolicy {

    /** Names a person may give a fault: they end up in URLs ({@code DELETE /api/faults/{id}}). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern METHOD = Pattern.compile("[A-Z]+");
    private static final Entry[] NONE = new Entry[0];

    private final long seed;
    private final FaultTypes types;
    private final ServerDirectory servers;
    private final Object lock = new Object();
    /** Copy-on-write, in the order added; replaced under {@link #lock}. */
    private volatile Entry[] entries = NONE;
    /** Per type name: the last n given to a generated {@code <type>-<n>}; never reset. Under {@link #lock}. */
    private final Map<String, Long> generated = new HashMap<>();

    /**
     * @param seed    seeds every draw
     * @param types   the registry of fault types
     * @param servers resolves targets; an unknown one is refused as {@code target}
     */
    public FaultEngine(long seed, FaultTypes types, ServerDirectory servers) {
        this.seed = seed;
        this.types = Objects.requireNonNull(types, "types");
        this.servers = Objects.requireNonNull(servers, "servers");
    }

    /** The seed every draw derives from. */
    public long seed() {
        return seed;
    }

    /** The registry faults are made from. */
    public FaultTypes types() {
        return types;
    }

    /**
     * Validates the whole spec first (type, target, phones, direction, probability 0..1, params,
     * startDelay >= 0, duration > 0, name unique) and adds it; on a bad spec nothing is added.
     *
     * <p>Fields as the REST body spells them: {@code type}, {@code name}, {@code target},
     * {@code phones}, {@code methods}, {@code direction}, {@code probability}, {@code params.<name>},
     * {@code startDelaySeconds}, {@code durationSeconds}.
     *
     * <p>The fault's {@link Fault#spec()} is the spec normalised: its name is the fault's id, its
     * direction and probability are the effective ones (defaults filled in), its methods upper-case,
     * its params an unmodifiable copy (null values left out).
     *
     * @throws InvalidFaultException naming the field
     */
    public Fault add(FaultSpec spec, long nowMs) {
        Objects.requireNonNull(spec, "spec");
        if (spec.type() == null || spec.type().isBlank()) {
            throw new InvalidFaultException("type", "type is required; known types: " + knownTypes());
        }
        FaultType type = types.type(spec.type()).orElseThrow(() -> new InvalidFaultException("type",
                "unknown fault type '" + spec.type() + "'; known types: " + knownTypes()));
        if (spec.name() != null && !NAME.matcher(spec.name()).matches()) {
            throw new InvalidFaultException("name", "a fault's name is 1..64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit; got '" + spec.name() + "'");
        }
        String server = null;
        if (spec.target() != null) {
            server = servers.resolve(spec.target()).orElseThrow(() -> new InvalidFaultException("target",
                    "unknown server '" + spec.target() + "': give a server's name or its host:port "
                            + "(leave target out for every server)"));
        }
        PhoneSelector phones = validPhones(spec.phones());
        Set<String> methods = validMethods(spec.methods());
        Direction direction = spec.direction() != null ? spec.direction() : type.defaultDirection();
        double probability = spec.probability() == null ? 1.0 : spec.probability();
        if (Double.isNaN(probability) || probability < 0.0 || probability > 1.0) {
            throw new InvalidFaultException("probability",
                    "probability must be a number from 0 to 1 (e.g. 0.25 for 25%), not " + spec.probability());
        }
        long startDelay = spec.startDelayMs() == null ? 0 : spec.startDelayMs();
        if (startDelay < 0) {
            throw new InvalidFaultException("startDelaySeconds",
                    "startDelaySeconds must be 0 or more, not " + seconds(startDelay));
        }
        if (spec.durationMs() != null && spec.durationMs() <= 0) {
            throw new InvalidFaultException("durationSeconds", "durationSeconds must be more than 0 (leave it out "
                    + "for a fault that lasts until deleted), not " + seconds(spec.durationMs()));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        if (spec.params() != null) {
            spec.params().forEach((k, v) -> {
                if (v != null) {
                    params.put(k, v);
                }
            });
        }
        Map<String, Object> frozenParams = Collections.unmodifiableMap(params);
        FaultType.Behaviour behaviour = type.create(frozenParams, direction, probability);
        if (behaviour == null) {
            throw new IllegalStateException("fault type " + type.name() + " made no behaviour");
        }
        long startsAt = saturatedAdd(nowMs, startDelay);
        long endsAt = spec.durationMs() == null ? Long.MAX_VALUE : saturatedAdd(startsAt, spec.durationMs());

        synchronized (lock) {
            Entry[] current = entries;
            String id;
            if (spec.name() != null) {
                if (find(current, spec.name()) != null) {
                    throw new FaultNameTakenException("a fault named '" + spec.name()
                            + "' already exists: pick another name or delete that fault first");
                }
                id = spec.name();
            } else {
                long n = generated.getOrDefault(type.name(), 0L);
                do {
                    n++;
                    id = type.name() + "-" + n;
                } while (find(current, id) != null);
                generated.put(type.name(), n);
            }
            FaultSpec normalised = new FaultSpec(id, type.name(), spec.target(), spec.phones(),
                    methods, direction, probability, frozenParams,
                    spec.startDelayMs(), spec.durationMs());
            Entry e = new Entry(id, normalised, server, nowMs, startsAt, endsAt, phones, methods, direction,
                    probability, type.ownsProbability(), behaviour, Hash.of(id));
            Entry[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = e;
            entries = next;
            return e.snapshot(nowMs);
        }
    }

    /** Every fault, in the order added, with its state at {@code nowMs} (expired ones too, until removed). */
    public List<Fault> list(long nowMs) {
        Entry[] es = entries;
        List<Fault> out = new ArrayList<>(es.length);
        for (Entry e : es) {
            out.add(e.snapshot(nowMs));
        }
        return Collections.unmodifiableList(out);
    }

    public Optional<Fault> get(String id, long nowMs) {
        Entry e = find(entries, id);
        return e == null ? Optional.empty() : Optional.of(e.snapshot(nowMs));
    }

    /** @return whether it was there */
    public boolean remove(String id) {
        synchronized (lock) {
            Entry[] current = entries;
            for (int i = 0; i < current.length; i++) {
                if (current[i].id.equals(id)) {
                    Entry[] next = new Entry[current.length - 1];
                    System.arraycopy(current, 0, next, 0, i);
                    System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                    entries = next;
                    return true;
                }
            }
            return false;
        }
    }

    /** Removes every fault (POST /api/reset). Generated names keep counting up (an old id never comes back). */
    public void clear() {
        synchronized (lock) {
            entries = NONE;
        }
    }

    /** True when no fault is held: callers skip building packets (the fast path). One volatile read. */
    public boolean isEmpty() {
        return entries.length == 0;
    }

    /** False when no fault is held. One volatile read. */
    @Override
    public boolean active() {
        return !isEmpty();
    }

    /** What happens to {@code p} at {@code nowMs}; counts it on the deciding fault. */
    @Override
    public Verdict decide(Packet p, long nowMs) {
        Entry[] es = entries;
        for (Entry e : es) {
            if (!e.matches(p, nowMs)) {
                continue;
            }
            e.matched.increment();
            SplittableRandom random = new SplittableRandom(drawSeed(e, p));
            if (!e.ownsProbability && e.probability < 1.0 && !(random.nextDouble() < e.probability)) {
                continue;
            }
            Verdict v = e.behaviour.decide(p, nowMs, random, e.id);
            if (v == null || v instanceof Verdict.Pass) {
                continue;
            }
            e.count(v);
            return v;
        }
        return Verdict.PASS;
    }

    /** Mix of (seed, fault, flow, n); takes the packet's number n in its flow for this fault. */
    private long drawSeed(Entry e, Packet p) {
        FlowKey key = new FlowKey(p.phoneId(), p.server(), p.flow());
        FlowCounter c = e.flows.get(key);
        if (c == null) {
            FlowCounter fresh = new FlowCounter(Hash.combine(Hash.combine(Hash.of(p.phoneId()), Hash.of(p.server())),
                    p.flow().ordinal()));
            c = e.flows.putIfAbsent(key, fresh);
            if (c == null) {
                c = fresh;
            }
        }
        long n = c.getAndIncrement();
        return Hash.combine(Hash.combine(Hash.combine(seed, e.idHash), c.flowHash), n);
    }

    private String knownTypes() {
        return String.join(", ", types.names());
    }

    private static Entry find(Entry[] es, String id) {
        for (Entry e : es) {
            if (e.id.equals(id)) {
                return e;
            }
        }
        return null;
    }

    private static PhoneSelector validPhones(PhoneSelector s) {
        if (s == null) {
            return PhoneSelector.ALL;
        }
        if (s instanceof PhoneSelector.Fleet && blank(((PhoneSelector.Fleet) s).name())) {
            throw new InvalidFaultException("phones", "a fleet selector needs the fleet's name");
        }
        if (s instanceof PhoneSelector.Model && blank(((PhoneSelector.Model) s).name())) {
            throw new InvalidFaultException("phones", "a model selector needs the model (e.g. V2, V3)");
        }
        if (s instanceof PhoneSelector.Ids && ((PhoneSelector.Ids) s).ids().isEmpty()) {
            throw new InvalidFaultException("phones", "an ids selector needs at least one phone id "
                    + "(leave phones out for every phone)");
        }
        if (s instanceof PhoneSelector.Sample) {
            double pct = ((PhoneSelector.Sample) s).percent();
            if (Double.isNaN(pct) || pct < 0 || pct > 100) {
                throw new InvalidFaultException("phones", "a sample's percent must be from 0 to 100, not " + pct);
            }
        }
        return s;
    }

    private static Set<String> validMethods(Set<String> methods) {
        if (methods == null || methods.isEmpty()) {
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String m : methods) {
            String u = m == null ? "" : m.trim().toUpperCase(Locale.ROOT);
            if (!METHOD.matcher(u).matches()) {
                throw new InvalidFaultException("methods", "methods are SIP method names made of letters "
                        + "(e.g. REGISTER, INVITE); got '" + m + "'");
            }
            out.add(u);
        }
        return Collections.unmodifiableSet(out);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String seconds(long ms) {
        return (ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0)) + " s";
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : r;
    }

    /** Where a packet goes: the key of a fault's per-flow packet numbers. */
    private record FlowKey(String phoneId, String server, Packet.Flow flow) {}

    /** A flow's next packet number, and the flow's fixed hash. */
    private static final class FlowCounter extends AtomicLong {
        private static final long serialVersionUID = 1L;
        final long flowHash;

        FlowCounter(long flowHash) {
            this.flowHash = flowHash;
        }
    }

    /** A fault as held: its definition, matching data and live counters. */
    private static final class Entry {
        final String id;
        final FaultSpec spec;
        final String server;
        final long createdAt;
        final long startsAt;
        final long endsAt;
        final PhoneSelector phones;
        final Set<String> methods;
        final Direction direction;
        final double probability;
        final boolean ownsProbability;
        final FaultType.Behaviour behaviour;
        final long idHash;
        final ConcurrentHashMap<FlowKey, FlowCounter> flows = new ConcurrentHashMap<>();
        final LongAdder matched = new LongAdder();
        final LongAdder dropped = new LongAdder();
        final LongAdder delayed = new LongAdder();
        final LongAdder duplicated = new LongAdder();
        final LongAdder answered = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder timedOut = new LongAdder();

        Entry(String id, FaultSpec spec, String server, long createdAt, long startsAt, long endsAt,
              PhoneSelector phones, Set<String> methods, Direction direction, double probability,
              boolean ownsProbability, FaultType.Behaviour behaviour, long idHash) {
            this.id = id;
            this.spec = spec;
            this.server = server;
            this.createdAt = createdAt;
            this.startsAt = startsAt;
            this.endsAt = endsAt;
            this.phones = phones;
            this.methods = methods;
            this.direction = direction;
            this.probability = probability;
            this.ownsProbability = ownsProbability;
            this.behaviour = behaviour;
            this.idHash = idHash;
        }

        boolean matches(Packet p, long now) {
            if (now < startsAt || now >= endsAt) {
                return false;
            }
            if (server != null && !server.equalsIgnoreCase(p.server())) {
                return false;
            }
            if (!direction.matches(p.flow())) {
                return false;
            }
            if (methods != null) {
                String m = p.method();
                if (p.kind() != Packet.Kind.MESSAGE || m == null
                        || !(methods.contains(m) || methods.contains(m.toUpperCase(Locale.ROOT)))) {
                    return false;
                }
            }
            return phones.matches(p);
        }

        void count(Verdict v) {
            if (v instanceof Verdict.Drop) {
                dropped.increment();
            } else if (v instanceof Verdict.Delay) {
                delayed.increment();
            } else if (v instanceof Verdict.Duplicate) {
                duplicated.increment();
            } else if (v instanceof Verdict.Respond) {
                answered.increment();
            } else if (v instanceof Verdict.Unreachable || v instanceof Verdict.Reset) {
                refused.increment();
            } else if (v instanceof Verdict.ConnectTimeout) {
                timedOut.increment();
            }
        }

        Fault snapshot(long now) {
            Fault.State state = now < startsAt ? Fault.State.PENDING
                    : now < endsAt ? Fault.State.ACTIVE : Fault.State.EXPIRED;
            return new Fault(id, spec, server, createdAt, startsAt, endsAt, state,
                    new Fault.Counters(matched.sum(), dropped.sum(), delayed.sum(), duplicated.sum(),
                            answered.sum(), refused.sum(), timedOut.sum()));
        }
    }
}
