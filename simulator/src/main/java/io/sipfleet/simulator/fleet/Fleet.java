package io.sipfleet.simulator.fleet;

import io.sipfleet.simulator.cluster.ClusterShard;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A running fleet: its definition, its phones, and counts of them kept current by the phones themselves. */
public final class Fleet {
    private final FleetSpec spec;
    /** The index (1-based) of {@code phones.get(0)}: this instance's slice starts there. */
    private final int first;
    private final ClusterShard shard;
    private final Counts counts;
    private final List<PhoneHandle> phones;
    private final long createdAt;
    private final PowerOnRamp ramp;
    private final List<String> warnings;
    private final CommandPacer commands;

    Fleet(FleetSpec spec, int first, ClusterShard shard, Counts counts, List<PhoneHandle> phones, long createdAt,
          PowerOnRamp ramp, List<String> warnings, CommandPacer commands) {
        this.first = first;
        this.shard = shard;
        this.commands = commands;
        this.warnings = List.copyOf(warnings);
        this.spec = spec;
        this.counts = counts;
        this.phones = List.copyOf(phones);
        this.createdAt = createdAt;
        this.ramp = ramp;
    }

    public FleetSpec spec() { return spec; }
    public String name() { return spec.name(); }
    public List<PhoneHandle> phones() { return phones; }
    public long createdAt() { return createdAt; }

    /**
     * Phone {@code i} (1-based, as in its id {@code name-i}) when this instance owns it, else null. A single
     * instance owns them all; in a cluster, {@link #shard()} says which slice is here.
     */
    public PhoneHandle phone(int i) {
        int at = i - first;
        return at >= 0 && at < phones.size() ? phones.get(at) : null;
    }

    /** Which slice of the fleet this instance owns (shard 0 of 1: all of it). */
    public ClusterShard shard() { return shard; }

    /** The first phone index (1-based) of this instance's slice. */
    public int firstOwned() { return first; }

    /** How many phones the ramp has powered on so far. */
    public int poweredOn() { return ramp.poweredOn(); }

    /** What was said when it was created (its projected load beyond this instance's capacity). */
    public List<String> warnings() { return warnings; }

    /** Its commands, in order, paced. */
    CommandPacer commands() { return commands; }

    /** Phones a queued fleet-wide command has not yet been handed to. */
    public int commandsPending() { return commands.pending(); }

    /** The power-on ramp: its progress and the rate it runs at now. */
    public PowerOnRamp ramp() { return ramp; }

    /** Counts of line 1 per state and per active server. Reads counters the phones keep: never waits for a phone. */
    public Summary summary() {
        return new Summary(phones.size(), ramp.poweredOn(), counts.byState(), counts.byServer(), counts.calls());
    }

    /** Line 1 of the fleet's phones by state and by active server, and phones with a call (not idle). */
    public record Summary(int count, int poweredOn, Map<String, Integer> byState, Map<String, Integer> byActiveServer,
                          int callsInProgress) {}

    /** Counts of the fleet's phones by line 1 state and active server, moved by each phone as it changes. */
    static final class Counts {
        private final Map<String, AtomicInteger> byState = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> byServer = new ConcurrentHashMap<>();
        private final AtomicInteger calls = new AtomicInteger();

        private static boolean inCall(PhoneHandle.Brief b) {
            return b.callState() != null && b.callState() != io.sipfleet.device.Outputs.CallState.IDLE;
        }

        int calls() {
            return Math.max(0, calls.get());
        }

        void add(PhoneHandle.Brief b) {
            if (inCall(b)) {
                calls.incrementAndGet();
            }
            inc(byState, stateKey(b), 1);
            if (b.activeServer() != null) {
                inc(byServer, b.activeServer(), 1);
            }
        }

        void remove(PhoneHandle.Brief b) {
            if (inCall(b)) {
                calls.decrementAndGet();
            }
            inc(byState, stateKey(b), -1);
            if (b.activeServer() != null) {
                inc(byServer, b.activeServer(), -1);
            }
        }

        void move(PhoneHandle.Brief from, PhoneHandle.Brief to) {
            if (inCall(from) != inCall(to)) {
                calls.addAndGet(inCall(to) ? 1 : -1);
            }
            if (from.state() != to.state()) {
                inc(byState, stateKey(from), -1);
                inc(byState, stateKey(to), 1);
            }
            if (!java.util.Objects.equals(from.activeServer(), to.activeServer())) {
                if (from.activeServer() != null) {
                    inc(byServer, from.activeServer(), -1);
                }
                if (to.activeServer() != null) {
                    inc(byServer, to.activeServer(), 1);
                }
            }
        }

        private static String stateKey(PhoneHandle.Brief b) {
            return b.state().name().toLowerCase(Locale.ROOT);
        }

        private static void inc(Map<String, AtomicInteger> m, String key, int d) {
            m.computeIfAbsent(key, k -> new AtomicInteger()).addAndGet(d);
        }

        Map<String, Integer> byState() {
            return snapshot(byState);
        }

        Map<String, Integer> byServer() {
            return snapshot(byServer);
        }

        private static Map<String, Integer> snapshot(Map<String, AtomicInteger> m) {
            Map<String, Integer> out = new TreeMap<>();
            m.forEach((k, v) -> {
                int n = v.get();
                if (n > 0) {
                    out.put(k, n);
                }
            });
            return out;
        }
    }
}
