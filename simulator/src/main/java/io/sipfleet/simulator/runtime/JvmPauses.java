package io.sipfleet.simulator.runtime;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Pauses of the whole JVM, which stop every shard at once: stop-the-world GC pauses (from the
 * collectors' notifications) and everything else that keeps a thread from running when it should
 * (safepoints, the OS not scheduling us): a thread that sleeps a millisecond at a time and measures how
 * much longer it slept (as jHiccup does).
 */
public final class JvmPauses implements AutoCloseable {
    /** 200 wake-ups a second: a pause shorter than this that ends between two of them goes unseen (GC pauses come by notification). */
    private static final long TICK_NANOS = 5_000_000;
    private final AtomicLong maxPause = new AtomicLong();
    private final AtomicLong maxGcPause = new AtomicLong();
    private final AtomicLong gcPauses = new AtomicLong();
    private final List<Runnable> unsubscribe = new ArrayList<>();
    private final Thread hiccups;
    private volatile boolean running = true;

    public JvmPauses() {
        NotificationListener onGc = this::onGc;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(onGc, null, null);
                unsubscribe.add(() -> {
                    try {
                        e.removeNotificationListener(onGc);
                    } catch (Exception ignored) {
                        // gone already
                    }
                });
            }
        }
        hiccups = new Thread(this::measureHiccups, "sipfleet-jvm-pauses");
        hiccups.setDaemon(true);
        hiccups.start();
    }

    private void onGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        String name = info.getGcName();
        if (name.contains("Concurrent") || name.contains("Cycles")) {
            return; // concurrent work: the application runs meanwhile
        }
        long nanos = info.getGcInfo().getDuration() * 1_000_000L;
        gcPauses.incrementAndGet();
        maxGcPause.accumulateAndGet(nanos, Math::max);
        maxPause.accumulateAndGet(nanos, Math::max);
    }

    private void measureHiccups() {
        while (running) {
            long t0 = System.nanoTime();
            LockSupport.parkNanos(TICK_NANOS);
            long over = System.nanoTime() - t0 - TICK_NANOS;
            if (over > 0) {
                maxPause.accumulateAndGet(over, Math::max);
            }
        }
    }

    /** The longest pause since the last call (ns). */
    public long takeMaxPauseNanos() {
        return maxPause.getAndSet(0);
    }

    /** The longest stop-the-world GC pause since start (ns), and how many there were. */
    public long maxGcPauseNanos() {
        return maxGcPause.get();
    }

    public long gcPauses() {
        return gcPauses.get();
    }

    /** As a lag source of the overload watch. */
    public LagSource lagSource() {
        return new LagSource("jvm-pause", "jvm", this::takeMaxPauseNanos);
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(hiccups);
        unsubscribe.forEach(Runnable::run);
    }
}
