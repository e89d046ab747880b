package io.sipfleet.simulator.stream;

import io.sipfleet.simulator.fleet.FleetEvent;
import java.util.ArrayDeque;

/**
 * One live-stream client's queue of phone events: bounded; when it is full the oldest event is dropped
 * and counted, so a slow client loses its oldest events and never holds up the phones, the event thread
 * or other clients. Each event gets the next number of this stream ({@code seq}) as it is queued: a gap
 * in the numbers a client sees is what it lost. The latest summary waits beside the queue (a newer one
 * replaces it), so a client behind on events still gets the fleet's picture.
 */
public final class StreamSubscription {
    /** An event as queued for this client, with its number in this stream. */
    public record Numbered(long seq, FleetEvent event) {}

    private final StreamFilter filter;
    private final int capacity;
    private final Runnable wake;
    private final Runnable onDrop;
    private final ArrayDeque<Numbered> queue = new ArrayDeque<>();
    private long seq;
    private long dropped;
    private long droppedReported;
    private Object summary;
    private volatile boolean closed;

    /**
     * @param capacity events that may wait for this client
     * @param wake     called (on the offering thread) when something is waiting; must return at once
     * @param onDrop   called once per event dropped (a metric); must return at once
     */
    StreamSubscription(StreamFilter filter, int capacity, Runnable wake, Runnable onDrop) {
        this.filter = filter;
        this.capacity = Math.max(1, capacity);
        this.wake = wake;
        this.onDrop = onDrop;
    }

    public StreamFilter filter() {
        return filter;
    }

    /** Queues an event this client's filter passes (on the event thread); never blocks. */
    void offer(FleetEvent e, String fleet) {
        if (closed || !filter.matches(fleet, e.phone())) {
            return;
        }
        boolean drop;
        synchronized (this) {
            queue.addLast(new Numbered(++seq, e));
            drop = queue.size() > capacity;
            if (drop) {
                queue.pollFirst();
                dropped++;
            }
        }
        if (drop) {
            onDrop.run();
        }
        wake.run();
    }

    /** The latest summary for this client (replaces one not yet taken). */
    public void summary(Object s) {
        if (closed) {
            return;
        }
        synchronized (this) {
            summary = s;
        }
        wake.run();
    }

    /** The next event, or null. */
    public synchronized Numbered poll() {
        return queue.pollFirst();
    }

    /** The summary waiting, or null (taken). */
    public synchronized Object takeSummary() {
        Object s = summary;
        summary = null;
        return s;
    }

    /** What the client lost since it was last told: {@code [new drops, total drops]}, or null when none. */
    public synchronized long[] takeDropped() {
        if (dropped == droppedReported) {
            return null;
        }
        long n = dropped - droppedReported;
        droppedReported = dropped;
        return new long[] {n, dropped};
    }

    /** Events dropped for this client since it connected. */
    public synchronized long dropped() {
        return dropped;
    }

    /** Events waiting. */
    public synchronized int backlog() {
        return queue.size();
    }

    public boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
        synchronized (this) {
            queue.clear();
            summary = null;
        }
    }
}
