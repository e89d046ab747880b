package io.sipfleet.simulator.runtime;

import io.sipfleet.device.time.Cancellable;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * One thread that runs tasks one at a time, each at its instant, and knows how late it is.
 *
 * <p>Every task has a due instant ({@link System#nanoTime()}): a timer's is when it was asked for; an
 * immediate task's is when it was handed over, or an earlier instant the caller knows (the moment a
 * datagram came off the socket, {@link #executeAt}). Tasks run in the order of their due instants, so a
 * response that arrived before a timer was due is handled before that timer even when the loop is
 * behind. How late each task started (now minus due) is the loop's <em>lag</em>, kept for the overload
 * watch ({@link #takeMaxLateNanos()}, {@link #stalledNanos()}).
 *
 * <p>A {@linkplain #gate(LongSupplier) gate} holds back tasks due after an instant: the phones' shards are
 * gated on the oldest datagram the SIP stack received and has not yet handed over, so a budget timer
 * does not fire while the answer that would have stopped it is still inside our own pipeline. A task is
 * never held more than {@code maxGateNanos}.
 *
 * <p>Control tasks ({@link #control}) run before anything else that is due: a REST or MQTT command waits
 * at most for the task running now, never behind a backlog of phone work.
 */
public final class TaskLoop implements Executor, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TaskLoop.class.getName());
    /** Re-check a closed gate this often. */
    private static final long GATE_POLL_NANOS = 100_000;
    /** Re-check backpressure this often. */
    private static final long PRESSURE_POLL_NANOS = 500_000;

    private final String name;
    private final LoopThread thread;
    private final ConcurrentLinkedQueue<Task> inbox = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> control = new ConcurrentLinkedQueue<>();
    /** Touched by the loop thread only. */
    private final PriorityQueue<Task> heap = new PriorityQueue<>(1024, TaskLoop::compare);
    private final AtomicLong maxLate = new AtomicLong();
    /** The earliest due instant handed over from another thread and not yet taken in, or Long.MAX_VALUE. */
    private final AtomicLong inboxOldest = new AtomicLong(Long.MAX_VALUE);
    private volatile LongSupplier gate;
    /** While true, no task but a control task starts (what this loop's tasks feed is full). */
    private volatile java.util.function.BooleanSupplier pressure;
    /** Tasks handed over and not yet run (any thread). */
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long pressedNanos;
    private volatile long maxGateNanos = 1_000_000_000L;
    private volatile boolean running = true;
    private volatile boolean parked;
    /** When the task running now started (nanoTime), or 0. */
    private volatile long runningSince;
    /** The due instant of the next task waiting behind the one running now, or Long.MAX_VALUE. */
    private volatile long nextDue = Long.MAX_VALUE;
    private volatile long tasksRun;
    /** What a task costs here, a moving average (ns): with {@link #pending()}, how long new work will wait. */
    private volatile long costNanos;
    private volatile long gatedNanos;
    private long seq;
    private long cancelledInHeap;
    /** Lateness of the task running now (read by the code it runs, on this thread). */
    private long currentLate;
    /** The instant the task running now was due (nanoTime; read by the code it runs, on this thread). */
    private long currentDue = NOT_ON_A_LOOP;

    /** @param name the thread's name */
    public TaskLoop(String name) {
        this.name = name;
        this.thread = new LoopThread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    public String name() {
        return name;
    }

    /**
     * Starts no task (control tasks aside) while {@code full} says what this loop's tasks feed cannot take
     * more: backpressure instead of an unbounded queue further on.
     */
    public void backpressure(java.util.function.BooleanSupplier full) {
        this.pressure = full;
    }

    /** Tasks handed over and not yet run. */
    public int pending() {
        return pending.get();
    }

    /**
     * How long a task handed over now would wait for the ones already due before it (ns): the tasks
     * waiting times what a task has cost lately. For a loop whose tasks are all due at once (the send
     * loops), not one that holds timers for later.
     */
    public long expectedWaitNanos() {
        return pending.get() * costNanos;
    }

    /** How long tasks were held back by backpressure in all (ns). */
    public long pressedNanos() {
        return pressedNanos;
    }

    /** Holds back tasks due after {@code openUntil.getAsLong()} (nanoTime; Long.MAX_VALUE = open), for at most {@code maxHoldNanos}. */
    public void gate(LongSupplier openUntil, long maxHoldNanos) {
        this.maxGateNanos = maxHoldNanos;
        this.gate = openUntil;
    }

    // ---- handing tasks over ------------------------------------------------------------------

    /** Runs {@code task} after {@code delayNanos}. */
    public Task schedule(long delayNanos, Runnable task) {
        return add(System.nanoTime() + Math.max(0, delayNanos), task);
    }

    /** Runs {@code task} now, after what is already due. */
    @Override
    public void execute(Runnable task) {
        add(System.nanoTime(), task);
    }

    /** Runs {@code task} as if handed over at {@code dueNanos} (an instant already past: when its cause happened). */
    public void executeAt(long dueNanos, Runnable task) {
        add(dueNanos, task);
    }

    /** Runs {@code task} before any other waiting task (commands from the control plane). */
    public void control(Runnable task) {
        if (!running) {
            throw new RejectedExecutionException(name + " is closed");
        }
        control.add(task);
        wake();
    }

    private Task add(long due, Runnable r) {
        if (!running) {
            throw new RejectedExecutionException(name + " is closed");
        }
        Task t = new Task(due, r);
        pending.incrementAndGet();
        if (Thread.currentThread() == thread) {
            t.seq = ++seq;
            heap.add(t); // the loop looks at the heap again before it parks
        } else {
            inbox.add(t);
            inboxOldest.accumulateAndGet(due, Math::min);
            wake();
        }
        return t;
    }

    private void wake() {
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    // ---- what the overload watch reads --------------------------------------------------------

    /** The largest lateness of a task since the last call (ns), and resets it. */
    public long takeMaxLateNanos() {
        return maxLate.getAndSet(0);
    }

    /**
     * How long the oldest task that is due has been waiting while the loop is busy with another one
     * (ns): a task that runs for long (or a thread that is not scheduled) shows here before anything
     * it holds up has run late.
     */
    public long stalledNanos() {
        long since = runningSince;
        long due = Math.min(nextDue, inboxOldest.get());
        if (since == 0 || due == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(0, System.nanoTime() - due);
    }

    /** Tasks run since start. */
    public long tasksRun() {
        return tasksRun;
    }

    /** How long tasks were held back by the gate in all (ns). */
    public long gatedNanos() {
        return gatedNanos;
    }

    /** The loop of the calling thread, or null when it is not a loop's thread. */
    public static TaskLoop current() {
        return Thread.currentThread() instanceof LoopThread t ? t.loop : null;
    }

    /** {@link #currentDueNanos()} off a loop, or between tasks. */
    public static final long NOT_ON_A_LOOP = Long.MIN_VALUE;

    /**
     * The instant (nanoTime) the task running on the calling thread was due: when its timer was set for, or when
     * its cause happened (a datagram off the socket, a command handed over); {@link #NOT_ON_A_LOOP} off a loop.
     * What the task does is late by {@code System.nanoTime() - currentDueNanos()} at any point of it.
     */
    public static long currentDueNanos() {
        return Thread.currentThread() instanceof LoopThread t ? t.loop.currentDue : NOT_ON_A_LOOP;
    }

    /** How late the task running on the calling thread started (ns); 0 off a loop. */
    public static long currentLatenessNanos() {
        return Thread.currentThread() instanceof LoopThread t ? t.loop.currentLate : 0;
    }

    // ---- the loop --------------------------------------------------------------------------------

    private void loop() {
        while (running) {
            try {
                step();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, name + ": unexpected failure, going on", t);
            }
        }
    }

    private void step() {
        Runnable c = control.poll();
        if (c != null) {
            run(c, 0, System.nanoTime());
            return;
        }
        inboxOldest.set(Long.MAX_VALUE);
        for (Task t; (t = inbox.poll()) != null; ) {
            t.seq = ++seq;
            heap.add(t);
        }
        Task head = heap.peek();
        if (head == null) {
            park(Long.MAX_VALUE);
            return;
        }
        if (head.runnable == null) { // cancelled
            heap.poll();
            pending.decrementAndGet();
            cancelledInHeap = Math.max(0, cancelledInHeap - 1);
            return;
        }
        long now = System.nanoTime();
        long due = head.due;
        if (due - now > 0) {
            park(due - now);
            return;
        }
        LongSupplier g = gate;
        if (g != null) {
            long open = g.getAsLong();
            if (open != Long.MAX_VALUE && due - open > 0 && now - due < maxGateNanos) {
                gatedNanos += GATE_POLL_NANOS;
                park(GATE_POLL_NANOS);
                return;
            }
        }
        java.util.function.BooleanSupplier p = pressure;
        if (p != null && p.getAsBoolean()) {
            pressedNanos += PRESSURE_POLL_NANOS;
            park(PRESSURE_POLL_NANOS);
            return;
        }
        heap.poll();
        pending.decrementAndGet();
        Task next = heap.peek();
        nextDue = next == null ? Long.MAX_VALUE : next.due;
        Runnable r = head.runnable;
        head.runnable = null;
        if (r == null) {
            nextDue = Long.MAX_VALUE;
            return; // cancelled from another thread since it was looked at
        }
        long late = now - due;
        maxLate.accumulateAndGet(late, Math::max);
        run(r, late, now);
        nextDue = Long.MAX_VALUE;
        purgeIfMostlyCancelled();
    }

    private void run(Runnable r, long late, long now) {
        currentLate = late;
        currentDue = now - late;
        runningSince = now;
        try {
            r.run();
        } catch (RuntimeException | Error e) {
            // one phone's bug must not stop the loop (and every other phone on it)
            LOG.log(System.Logger.Level.ERROR, name + ": task failed", e);
        } finally {
            long cost = System.nanoTime() - now;
            costNanos += (cost - costNanos) >> 4;
            runningSince = 0;
            currentLate = 0;
            currentDue = NOT_ON_A_LOOP;
            tasksRun++;
        }
    }

    /** Cancelled timers stay in the heap until they come up; when they are most of it, sweep them out. */
    private void purgeIfMostlyCancelled() {
        if (cancelledInHeap > 4096 && cancelledInHeap > heap.size() / 2) {
            int before = heap.size();
            heap.removeIf(t -> t.runnable == null);
            pending.addAndGet(heap.size() - before);
            cancelledInHeap = 0;
        }
    }

    private void park(long nanos) {
        parked = true;
        try {
            if (!inbox.isEmpty() || !control.isEmpty() || !running) {
                return;
            }
            if (nanos == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, nanos);
            }
        } finally {
            parked = false;
        }
    }

    /** Stops the thread; tasks not yet run are dropped. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int compare(Task a, Task b) {
        int c = Long.compare(a.due - b.due, 0);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    }

    /** A task waiting in the loop; {@link #cancel()} is safe from any thread. */
    public final class Task implements Cancellable {
        final long due;
        long seq;
        /** null once run or cancelled (a cancelled task holds nothing it captured). */
        volatile Runnable runnable;

        Task(long due, Runnable runnable) {
            this.due = due;
            this.runnable = runnable;
        }

        @Override
        public void cancel() {
            if (runnable != null) {
                runnable = null;
                if (Thread.currentThread() == thread) {
                    cancelledInHeap++;
                }
            }
        }
    }

    private static final class LoopThread extends Thread {
        final TaskLoop loop;

        LoopThread(TaskLoop loop, String name) {
            super(loop::loop, name);
            this.loop = loop;
        }
    }
}
