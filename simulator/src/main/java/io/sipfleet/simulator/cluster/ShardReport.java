package io.sipfleet.simulator.cluster;

import io.sipfleet.simulator.fleet.Fleet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one instance of a cluster says of its slice of every fleet, at an instant (README "Scale-out"). Each
 * instance publishes its own report often (retained, one a shard); any instance sums the reports it holds into
 * the whole fleet ({@link ClusterView}). Plain values, as they go over the broker as JSON.
 *
 * @param shard  the instance's shard index
 * @param of     the shard count it was configured with
 * @param atMs   when it was made (epoch ms, the reporting instance's clock)
 * @param fleets its slice of each fleet, by fleet name
 */
public record ShardReport(int shard, int of, long atMs, Map<String, Slice> fleets) {
    public ShardReport {
        fleets = Map.copyOf(fleets);
    }

    /**
     * One fleet's slice on one instance.
     *
     * @param count      the whole fleet's phones (as defined on every instance)
     * @param firstPhone the slice's first phone index (1-based)
     * @param lastPhone  its last one
     * @param phones     phones on this instance
     * @param poweredOn  of those, powered on so far
     * @param byState    line 1 of its phones by state
     * @param byActiveServer line 1 of its phones by active server
     * @param callsInProgress its phones with a call
     */
    public record Slice(int count, int firstPhone, int lastPhone, int phones, int poweredOn,
                        Map<String, Integer> byState, Map<String, Integer> byActiveServer, int callsInProgress) {
        public Slice {
            byState = Map.copyOf(byState);
            byActiveServer = Map.copyOf(byActiveServer);
        }
    }

    /** This instance's report of {@code fleets} now. */
    public static ShardReport of(ClusterShard shard, Collection<Fleet> fleets, long nowMs) {
        Map<String, Slice> out = new TreeMap<>();
        for (Fleet f : fleets) {
            Fleet.Summary s = f.summary();
            int n = f.spec().count();
            out.put(f.name(), new Slice(n, shard.first(n), shard.last(n), s.count(), s.poweredOn(), s.byState(),
                    s.byActiveServer(), s.callsInProgress()));
        }
        return new ShardReport(shard.index(), shard.count(), nowMs, out);
    }

    /** The fleets it reports, by name. */
    public List<String> fleetNames() {
        return List.copyOf(new TreeMap<>(fleets).keySet());
    }
}
