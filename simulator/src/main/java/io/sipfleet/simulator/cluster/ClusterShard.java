package io.sipfleet.simulator.cluster;

/**
 * Which slice of every fleet this instance owns when one fleet runs across {@code count} instances (issue 12,
 * README "Scale-out"). A fleet of N phones is defined on every instance; instance {@code index} powers on only
 * phones {@link #first(int)}..{@link #last(int)} (1-based, contiguous, as emqtt-bench takes a static index range
 * per process). Phone ids, users and topics stay global, and a phone never moves: its registration is tied to its
 * instance's Contact address. A single instance is shard 0 of 1 and owns everything.
 *
 * @param index this instance, 0..count-1 (on Kubernetes, the StatefulSet ordinal)
 * @param count how many instances share every fleet
 */
public record ClusterShard(int index, int count) {
    /** A single instance: every phone is its own. */
    public static final ClusterShard SINGLE = new ClusterShard(0, 1);

    public ClusterShard {
        if (count < 1) {
            throw new IllegalArgumentException("sipfleet.cluster.shard-count must be at least 1, got " + count);
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("sipfleet.cluster.shard-index must be 0.." + (count - 1)
                    + " (sipfleet.cluster.shard-count is " + count + "), got " + index);
        }
    }

    /** Whether more than one instance shares the fleets. */
    public boolean clustered() {
        return count > 1;
    }

    /** The first phone index (1-based) of a fleet of {@code phones} that this shard owns; past {@link #last} when none. */
    public int first(int phones) {
        return startOf(index, phones) + 1;
    }

    /** The last phone index (1-based) of a fleet of {@code phones} that this shard owns. */
    public int last(int phones) {
        return startOf(index + 1, phones);
    }

    /** How many phones of a fleet of {@code phones} this shard owns (they differ by one at most between shards). */
    public int owned(int phones) {
        return last(phones) - first(phones) + 1;
    }

    /** Whether phone {@code i} (1-based) of a fleet of {@code phones} is this shard's. */
    public boolean owns(int i, int phones) {
        return i >= first(phones) && i <= last(phones);
    }

    /** The shard that owns phone {@code i} (1-based) of a fleet of {@code phones}. */
    public int ownerOf(int i, int phones) {
        if (i < 1 || i > phones) {
            throw new IllegalArgumentException("phone " + i + " of a fleet of " + phones);
        }
        // the first shard whose range ends at or after i
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (startOf(mid + 1, phones) >= i) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private int startOf(int shard, int phones) {
        return (int) ((long) shard * phones / count);
    }

    @Override
    public String toString() {
        return "shard " + index + " of " + count;
    }
}
