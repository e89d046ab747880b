package io.sipfleet.simulator.fleet;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands the phones' events to the control plane's listeners on a thread of its own, so that a phone
 * never waits for MQTT, metrics or a stream (a first metric of a kind, say, costs milliseconds). The
 * queue is bounded: past {@code capacity} the oldest events are dropped for the listeners and counted
 * (each phone's own recent events keep them).
 */
public final class EventDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventDispatcher.class.getName());
    private final List<FleetListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final int capacity;
    private final ConcurrentLinkedQueue<FleetEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong dispatched = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean parked;

    public EventDispatcher(List<FleetListener> listeners, int capacity) {
        this.listeners.addAll(listeners);
        this.capacity = Math.max(1, capacity);
        this.thread = new Thread(this::run, "sipfleet-events");
        thread.setDaemon(true);
        thread.start();
    }

    /** From a phone's shard: queues the event, never blocks. */
    public void offer(FleetEvent e) {
        queue.add(e);
        if (size.incrementAndGet() > capacity && queue.poll() != null) {
            size.decrementAndGet();
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 100_000 == 0) {
                LOG.log(System.Logger.Level.WARNING, n + " events dropped for MQTT/metrics: they come faster than "
                        + "the listeners take them (each phone's recent events keep them)");
            }
        }
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** On the phone's shard: every listener's onOutputsChanged (each returns at once). */
    public void outputsChanged(String phoneId) {
        for (FleetListener l : listeners) {
            try {
                l.onOutputsChanged(phoneId);
            } catch (RuntimeException x) {
                LOG.log(System.Logger.Level.ERROR, "listener " + l.getClass().getName() + " failed on "
                        + phoneId + "'s outputs", x);
            }
        }
    }

    private void run() {
        while (running) {
            FleetEvent e = queue.poll();
            if (e == null) {
                parked = true;
                if (queue.isEmpty() && running) {
                    LockSupport.parkNanos(this, 50_000_000L);
                }
                parked = false;
                continue;
            }
            size.decrementAndGet();
            for (FleetListener l : listeners) {
                try {
                    l.onEvent(e);
                } catch (RuntimeException x) {
                    LOG.log(System.Logger.Level.ERROR, "listener " + l.getClass().getName() + " failed on a "
                            + e.event().type() + " event", x);
                }
            }
            dispatched.incrementAndGet();
        }
    }

    /**
     * Adds a listener while the simulator runs (a scenario run's observer): it hears the events dispatched
     * from now on, after the listeners given at start.
     */
    public void addListener(FleetListener l) {
        listeners.add(java.util.Objects.requireNonNull(l, "listener"));
    }

    /** @return whether it was there */
    public boolean removeListener(FleetListener l) {
        return listeners.remove(l);
    }

    /** Events waiting for the listeners. */
    public int backlog() {
        return Math.max(0, size.get());
    }

    public long dropped() {
        return dropped.get();
    }

    public long dispatched() {
        return dispatched.get();
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
    }
}
