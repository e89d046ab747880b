package io.sipfleet.device.time;

import java.util.PriorityQueue;

/**
 * A scheduler on virtual time, after Kafka's MockTime/MockScheduler: time stands still until a test
 * (or the simulator's deterministic mode) advances it, and then every task due runs in order of its
 * instant, ties in the order they were scheduled. A one-hour scenario runs in milliseconds and every
 * instant is exact. Single-threaded: call it from one thread.
 */
public final class VirtualScheduler implements Scheduler {
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now;
    private long seq;
    private long executed;

    public VirtualScheduler() {
        this(0);
    }

    public VirtualScheduler(long startMillis) {
        this.now = startMillis;
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        if (delayMillis < 0) {
            throw new IllegalArgumentException("negative delay " + delayMillis);
        }
        Task t = new Task(now + delayMillis, seq++, task);
        queue.add(t);
        return t;
    }

    /** Runs every task due up to {@code now + millis}, then leaves the clock there. */
    public void advanceBy(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("time does not go backwards: " + millis);
        }
        advanceTo(now + millis);
    }

    /** Runs every task due up to {@code instant} (inclusive), then leaves the clock there. */
    public void advanceTo(long instant) {
        if (instant < now) {
            throw new IllegalArgumentException("time does not go backwards: " + instant + " < " + now);
        }
        Task t;
        while ((t = queue.peek()) != null && t.at <= instant) {
            queue.poll();
            if (!t.cancelled) {
                now = t.at;
                t.cancelled = true;
                executed++;
                t.task.run();
            }
        }
        now = instant;
    }

    /** Runs the tasks due at the current instant (those scheduled with delay 0 included). */
    public void runDue() {
        advanceTo(now);
    }

    /** The instant of the next task that will run, or -1 when none is pending. */
    public long nextDue() {
        Task t;
        while ((t = queue.peek()) != null && t.cancelled) {
            queue.poll();
        }
        return t == null ? -1 : t.at;
    }

    /** Tasks waiting (cancelled ones not yet purged may be counted). */
    public int pending() {
        return queue.size();
    }

    /** How many tasks have run so far. */
    public long executed() {
        return executed;
    }

    private static final class Task implements Cancellable, Comparable<Task> {
        final long at;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Task(long at, long seq, Runnable task) {
            this.at = at;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
