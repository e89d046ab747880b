package io.sipfleet.simulator.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The whole fleet as every shard last reported it (README "Scale-out"): any instance answers for the cluster by
 * summing the {@link ShardReport}s it holds, and says how old each one is. A shard whose report is older than
 * {@code staleAfterMs}, that said it left (its last will), or that never reported is <em>missing</em>: its phones are
 * not in the sums, and the answer names it, so that a verdict is never judged on part of a fleet without saying so.
 * Thread-safe.
 */
public final class ClusterView {
    private final ClusterShard self;
    private final long staleAfterMs;
    private final Map<Integer, ShardReport> reports = new ConcurrentHashMap<>();

    /**
     * @param self         this instance (its shard count is the cluster's)
     * @param staleAfterMs a report older than this counts as missing
     */
    public ClusterView(ClusterShard self, long staleAfterMs) {
        if (staleAfterMs <= 0) {
            throw new IllegalArgumentException("staleAfterMs must be positive: " + staleAfterMs);
        }
        this.self = self;
        this.staleAfterMs = staleAfterMs;
    }

    /**
     * A shard's report came. A report of another shard count than ours is a misconfigured instance: refused, as
     * its slices do not line up with ours.
     *
     * @throws IllegalArgumentException naming the shard and both counts
     */
    public void report(ShardReport r) {
        if (r.of() != self.count() || r.shard() < 0 || r.shard() >= self.count()) {
            throw new IllegalArgumentException("a report from shard " + r.shard() + " of " + r.of()
                    + " does not fit this cluster of " + self.count() + " (sipfleet.cluster.shard-count differs)");
        }
        reports.merge(r.shard(), r, (old, now) -> now.atMs() >= old.atMs() ? now : old);
    }

    /** Shard {@code shard} left (its last will, or it said so as it stopped): missing until it reports again. */
    public void left(int shard) {
        reports.remove(shard);
    }

    /**
     * One fleet across every shard at {@code nowMs}.
     *
     * @return empty when no shard that is present reports it
     */
    public Optional<Aggregate> fleet(String name, long nowMs) {
        List<ShardAge> shards = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        int count = -1;
        int phones = 0;
        int poweredOn = 0;
        int calls = 0;
        Map<String, Integer> byState = new TreeMap<>();
        Map<String, Integer> byServer = new TreeMap<>();
        boolean seen = false;
        for (int i = 0; i < self.count(); i++) {
            ShardReport r = reports.get(i);
            long age = r == null ? -1 : Math.max(0, nowMs - r.atMs());
            if (r == null || age > staleAfterMs) {
                missing.add(i);
                shards.add(new ShardAge(i, r == null ? null : age, null, false));
                continue;
            }
            ShardReport.Slice s = r.fleets().get(name);
            shards.add(new ShardAge(i, age, s == null ? null : s.phones(), true));
            if (s == null) {
                continue;
            }
            seen = true;
            count = Math.max(count, s.count());
            phones += s.phones();
            poweredOn += s.poweredOn();
            calls += s.callsInProgress();
            s.byState().forEach((k, v) -> byState.merge(k, v, Integer::sum));
            s.byActiveServer().forEach((k, v) -> byServer.merge(k, v, Integer::sum));
        }
        if (!seen) {
            return Optional.empty();
        }
        return Optional.of(new Aggregate(name, count, phones, poweredOn, byState, byServer, calls, shards, missing));
    }

    /** Every fleet any present shard reports, by name. */
    public List<String> fleetNames(long nowMs) {
        TreeSet<String> names = new TreeSet<>();
        reports.values().forEach(r -> {
            if (nowMs - r.atMs() <= staleAfterMs) {
                names.addAll(r.fleets().keySet());
            }
        });
        return List.copyOf(names);
    }

    /**
     * One fleet summed over the shards that reported it in time.
     *
     * @param count   the whole fleet's phones as defined
     * @param phones  phones the present shards have (less than {@code count} while a shard is missing)
     * @param shards  every shard of the cluster with its report's age
     * @param missing shards whose phones are not in the sums
     */
    public record Aggregate(String name, int count, int phones, int poweredOn, Map<String, Integer> byState,
                            Map<String, Integer> byActiveServer, int callsInProgress, List<ShardAge> shards,
                            List<Integer> missing) {
        public Aggregate {
            byState = Map.copyOf(byState);
            byActiveServer = Map.copyOf(byActiveServer);
            shards = List.copyOf(shards);
            missing = List.copyOf(missing);
        }

        /** Whether every shard reported in time: the sums are the whole fleet. */
        public boolean complete() {
            return missing.isEmpty();
        }
    }

    /**
     * @param ageMs   how old its last report is; null: it never reported (or left)
     * @param phones  its phones of the fleet; null when missing or it does not report the fleet
     * @param present whether its report is recent enough to count
     */
    public record ShardAge(int shard, Long ageMs, Integer phones, boolean present) {}
}
