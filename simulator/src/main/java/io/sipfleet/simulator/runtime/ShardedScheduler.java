package io.sipfleet.simulator.runtime;

import io.sipfleet.device.time.Cancellable;
import io.sipfleet.device.time.Scheduler;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The real-time scheduler of the fleet: a few single-threaded shards ({@link TaskLoop}s), each running
 * the phones pinned to it one task at a time, so a phone is never entered concurrently (the device model
 * is not thread-safe by design) and 100,000 phones need no thread each. Results from the SIP stack hop
 * onto the phone's shard with {@link #executeAt} (ordered by when they came off the wire); commands from
 * the control plane with {@link #control} (ahead of the phones' backlog).
 */
public final class ShardedScheduler implements AutoCloseable {
    private final TaskLoop[] shards;
    private final Scheduler[] schedulers;

    public ShardedScheduler(int shardCount) {
        if (shardCount < 1) {
            throw new IllegalArgumentException("at least one shard");
        }
        shards = new TaskLoop[shardCount];
        schedulers = new Scheduler[shardCount];
        for (int i = 0; i < shardCount; i++) {
            TaskLoop loop = new TaskLoop("sipfleet-phones-" + (i + 1));
            shards[i] = loop;
            schedulers[i] = new Scheduler() {
                @Override
                public long now() {
                    return System.currentTimeMillis();
                }

                @Override
                public Cancellable schedule(long delayMillis, Runnable task) {
                    return loop.schedule(delayMillis * 1_000_000L, task);
                }
            };
        }
    }

    /**
     * Holds every shard's tasks due after {@code openUntil} (nanoTime), at most {@code maxHoldNanos}: see
     * {@link TaskLoop#gate}.
     */
    public void gate(LongSupplier openUntil, long maxHoldNanos) {
        for (TaskLoop s : shards) {
            s.gate(openUntil, maxHoldNanos);
        }
    }

    private int index(String phoneId) {
        return Math.floorMod(phoneId.hashCode(), shards.length);
    }

    /** The scheduler of the shard a phone is pinned to. */
    public Scheduler schedulerFor(String phoneId) {
        return schedulers[index(phoneId)];
    }

    /** Runs tasks for a phone on its shard, after what is already due there. */
    public Executor executorFor(String phoneId) {
        return shards[index(phoneId)];
    }

    /** Runs {@code task} on the phone's shard in the order of {@code dueNanos} (when its cause came off the wire). */
    public void executeAt(String phoneId, long dueNanos, Runnable task) {
        shards[index(phoneId)].executeAt(dueNanos, task);
    }

    /** Runs {@code task} on the phone's shard ahead of the phones' waiting work (a command). */
    public void control(String phoneId, Runnable task) {
        shards[index(phoneId)].control(task);
    }

    /** The shards, for the overload watch. */
    public List<TaskLoop> shards() {
        return List.of(shards);
    }

    @Override
    public void close() {
        for (TaskLoop s : shards) {
            s.close();
        }
    }
}
