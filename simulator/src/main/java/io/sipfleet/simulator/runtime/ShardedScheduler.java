package io.sipfleet.simulator.runtime;

import io.sipfleet.device.time.Cancellable;
import io.sipfleet.device.time.Scheduler;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real-time scheduler of the fleet: a few single-threaded shards, each running the phones pinned
 * to it one task at a time, so a phone is never entered concurrently (the device model is not
 * thread-safe by design) and 100,000 phones need no thread each. Results from the SIP stack hop onto
 * the phone's shard with {@link #executorFor(String)}.
 */
public final class ShardedScheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ShardedScheduler.class.getName());
    private final Shard[] shards;

    public ShardedScheduler(int shardCount) {
        if (shardCount < 1) {
            throw new IllegalArgumentException("at least one shard");
        }
        shards = new Shard[shardCount];
        AtomicInteger n = new AtomicInteger();
        for (int i = 0; i < shardCount; i++) {
            ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "sipfleet-phones-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            ex.setRemoveOnCancelPolicy(true);
            shards[i] = new Shard(ex);
        }
    }

    /** The scheduler of the shard a phone is pinned to. */
    public Scheduler schedulerFor(String phoneId) {
        return shards[Math.floorMod(phoneId.hashCode(), shards.length)];
    }

    /** Runs tasks for a phone on its shard, after what is already queued there. */
    public Executor executorFor(String phoneId) {
        return shards[Math.floorMod(phoneId.hashCode(), shards.length)];
    }

    @Override
    public void close() {
        for (Shard s : shards) {
            s.executor.shutdownNow();
        }
    }

    private static final class Shard implements Scheduler, Executor {
        final ScheduledExecutorService executor;

        Shard(ScheduledExecutorService executor) {
            this.executor = executor;
        }

        @Override
        public long now() {
            return System.currentTimeMillis();
        }

        @Override
        public Cancellable schedule(long delayMillis, Runnable task) {
            ScheduledFuture<?> f = executor.schedule(guarded(task), delayMillis, TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        }

        @Override
        public void execute(Runnable task) {
            executor.execute(guarded(task));
        }

        private static Runnable guarded(Runnable task) {
            return () -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    // one phone's bug must not stop the shard (and every other phone on it)
                    LOG.log(System.Logger.Level.ERROR, "phone task failed", e);
                }
            };
        }
    }
}
