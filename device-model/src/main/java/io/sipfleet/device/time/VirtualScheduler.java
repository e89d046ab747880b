package io.sipfleet.device.time;

import java.util.Arrays;

/**
 * A scheduler on virtual time, after Kafka's MockTime/MockScheduler: time stands still until a test
 * (or the simulator's deterministic mode) advances it, and then every task due runs in order of its
 * instant, ties in the order they were scheduled. A one-hour scenario runs in milliseconds and every
 * instant is exact. Single-threaded: call it from one thread.
 *
 * <p>Tasks wait in one bucket per instant (in the order scheduled), the instants in a min-heap of
 * plain {@code long}s: a fleet of 100,000 phones keeps hundreds of thousands of timers pending (most
 * of them cancelled before they are due: retransmissions and Timer F of answered requests), and a heap
 * of task objects spent most of its time comparing them.
 */
public final class VirtualScheduler implements Scheduler {
    private final Buckets buckets = new Buckets();
    private long[] heap = new long[256];
    private int size;
    private long now;
    private long executed;
    private int pending;
    /** The instant whose bucket runs now (answers at once land in it), or Long.MIN_VALUE. */
    private long running = Long.MIN_VALUE;
    private Bucket runningBucket;

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
        long at = now + delayMillis;
        Bucket b = at == running ? runningBucket : buckets.get(at);
        if (b == null) {
            b = new Bucket();
            buckets.put(at, b);
            push(at);
        }
        Task t = new Task(task);
        b.add(t);
        pending++;
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
        while (size > 0 && heap[0] <= instant) {
            long at = heap[0];
            Bucket b = buckets.get(at);
            now = at;
            running = at;
            runningBucket = b;
            try {
                // tasks scheduled at this instant while it runs join the end of its bucket and run in this loop
                for (int i = 0; i < b.size; i++) {
                    Task t = b.tasks[i];
                    b.tasks[i] = null;
                    pending--;
                    if (!t.cancelled) {
                        t.cancelled = true;
                        executed++;
                        t.task.run();
                    }
                }
            } finally {
                running = Long.MIN_VALUE;
                runningBucket = null;
            }
            buckets.remove(at);
            pop();
        }
        now = instant;
    }

    /** Runs the tasks due at the current instant (those scheduled with delay 0 included). */
    public void runDue() {
        advanceTo(now);
    }

    /** The instant of the next task that will run, or -1 when none is pending. */
    public long nextDue() {
        while (size > 0) {
            long at = heap[0];
            Bucket b = buckets.get(at);
            for (int i = 0; i < b.size; i++) {
                if (!b.tasks[i].cancelled) {
                    return at;
                }
            }
            pending -= b.size;
            buckets.remove(at);
            pop();
        }
        return -1;
    }

    /** Tasks waiting (cancelled ones not yet purged may be counted). */
    public int pending() {
        return pending;
    }

    /** How many tasks have run so far. */
    public long executed() {
        return executed;
    }

    private void push(long at) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= at) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = at;
    }

    private void pop() {
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && heap[right] < heap[child]) {
                child = right;
            }
            if (last <= heap[child]) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
    }

    /** Instant -> its bucket: open addressing on plain longs (no boxing), removal by backward shift. */
    private static final class Buckets {
        private long[] keys = new long[1024];
        private Bucket[] values = new Bucket[1024];
        private int count;

        private static int hash(long k, int mask) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32)) & mask;
        }

        Bucket get(long k) {
            int mask = keys.length - 1;
            for (int i = hash(k, mask); ; i = (i + 1) & mask) {
                Bucket v = values[i];
                if (v == null) {
                    return null;
                }
                if (keys[i] == k) {
                    return v;
                }
            }
        }

        void put(long k, Bucket v) {
            if (2 * (count + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = hash(k, mask);
            while (values[i] != null && keys[i] != k) {
                i = (i + 1) & mask;
            }
            if (values[i] == null) {
                count++;
            }
            keys[i] = k;
            values[i] = v;
        }

        void remove(long k) {
            int mask = keys.length - 1;
            int i = hash(k, mask);
            while (values[i] != null && keys[i] != k) {
                i = (i + 1) & mask;
            }
            if (values[i] == null) {
                return;
            }
            values[i] = null;
            count--;
            // shift back the entries of the run that follows, so that every key stays reachable from its slot
            int j = i;
            while (true) {
                j = (j + 1) & mask;
                if (values[j] == null) {
                    return;
                }
                int home = hash(keys[j], mask);
                boolean between = i <= j ? i < home && home <= j : i < home || home <= j;
                if (!between) {
                    keys[i] = keys[j];
                    values[i] = values[j];
                    values[j] = null;
                    i = j;
                }
            }
        }

        private void grow() {
            long[] oldKeys = keys;
            Bucket[] oldValues = values;
            keys = new long[oldKeys.length * 2];
            values = new Bucket[oldValues.length * 2];
            count = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldValues[i] != null) {
                    put(oldKeys[i], oldValues[i]);
                }
            }
        }
    }

    /** The tasks of one instant, in the order they were scheduled. */
    private static final class Bucket {
        Task[] tasks = new Task[2];
        int size;

        void add(Task t) {
            if (size == tasks.length) {
                tasks = Arrays.copyOf(tasks, size * 2);
            }
            tasks[size++] = t;
        }
    }

    private static final class Task implements Cancellable {
        final Runnable task;
        boolean cancelled;

        Task(Runnable task) {
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
