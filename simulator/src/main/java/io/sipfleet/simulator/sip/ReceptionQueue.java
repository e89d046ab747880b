package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.stack.DatagramQueuedMessageDispatch;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The SIP stack's queue of received UDP datagrams (between the thread that reads the socket and the
 * threads that parse and dispatch), stamped with the instant each came off the socket. It knows the
 * oldest datagram not yet handed on ({@link #watermarkNanos()}): waiting in the queue, or being
 * parsed and dispatched by a stack thread. A stack thread is done with its datagram when it asks for
 * the next one; by then everything the datagram caused has been handed to the phones' shards.
 *
 * <p>With it the phones keep the §5 budget on the wire's own instants: a response is ordered by when
 * it came off the socket ({@link #currentReceivedNanos()}), and the shards hold a timer that is due
 * after the watermark until the datagrams received before it have been handed over. Its
 * {@linkplain #watermarkNanos() age} is the stack's receive backlog for the overload watch.
 */
public final class ReceptionQueue extends LinkedBlockingQueue<DatagramQueuedMessageDispatch> {
    private static final long serialVersionUID = 1L;
    private static final ThreadLocal<Slot> CURRENT = new ThreadLocal<>();

    /** What one stack thread is working on: the reception instant of its datagram, or 0 when idle. */
    private static final class Slot {
        final ReceptionQueue queue;
        volatile long receivedNanos;

        Slot(ReceptionQueue queue) {
            this.queue = queue;
        }
    }

    /** A datagram with the nanoTime it came off the socket. */
    static final class Received extends DatagramQueuedMessageDispatch {
        final long nanos;

        Received(java.net.DatagramPacket packet, long receptionMillis, long nanos) {
            super(packet, receptionMillis);
            this.nanos = nanos;
        }
    }

    private final transient List<Slot> slots = new CopyOnWriteArrayList<>();
    private final int capacity;
    private final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();

    /** @param capacity datagrams that may wait; past it new ones are dropped and counted, as a full socket buffer would */
    public ReceptionQueue(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Takes a datagram off the socket into the queue. The stack reads each into a buffer of the largest
     * message size (16 KB): a waiting one keeps only its own bytes (a few hundred), so that a backlog of
     * tens of thousands (a GC pause, a burst) costs megabytes, not a gigabyte. Past the capacity it is
     * dropped and counted (the overload watch sees it).
     */
    @Override
    public boolean offer(DatagramQueuedMessageDispatch d) {
        long now = System.nanoTime();
        if (d instanceof Received) {
            return super.offer(d);
        }
        if (size() >= capacity) {
            dropped.increment();
            return false;
        }
        java.net.DatagramPacket p = d.packet;
        byte[] bytes = java.util.Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength());
        return super.offer(new Received(new java.net.DatagramPacket(bytes, bytes.length, p.getSocketAddress()),
                d.getReceptionTime(), now));
    }

    /** Datagrams dropped because the queue was full. */
    public long dropped() {
        return dropped.sum();
    }

    @Override
    public DatagramQueuedMessageDispatch take() throws InterruptedException {
        Slot s = slot();
        s.receivedNanos = 0;
        DatagramQueuedMessageDispatch d = super.take();
        s.receivedNanos = nanosOf(d);
        return d;
    }

    @Override
    public DatagramQueuedMessageDispatch poll(long timeout, TimeUnit unit) throws InterruptedException {
        Slot s = slot();
        s.receivedNanos = 0;
        DatagramQueuedMessageDispatch d = super.poll(timeout, unit);
        s.receivedNanos = d == null ? 0 : nanosOf(d);
        return d;
    }

    private static long nanosOf(DatagramQueuedMessageDispatch d) {
        return d instanceof Received r ? r.nanos : System.nanoTime();
    }

    private Slot slot() {
        Slot s = CURRENT.get();
        if (s == null || s.queue != this) {
            s = new Slot(this);
            slots.add(s);
            CURRENT.set(s);
        }
        return s;
    }

    /**
     * The instant (nanoTime) the oldest datagram not yet handed on came off the socket, or
     * {@link Long#MAX_VALUE} when every datagram received has been dealt with.
     */
    public long watermarkNanos() {
        long w = Long.MAX_VALUE;
        DatagramQueuedMessageDispatch head = peek();
        if (head != null) {
            w = nanosOf(head);
        }
        for (Slot s : slots) {
            long n = s.receivedNanos;
            if (n != 0 && (w == Long.MAX_VALUE || n - w < 0)) {
                w = n;
            }
        }
        return w;
    }

    /** How long the oldest datagram not yet handed on has been waiting (ns); 0 when none. */
    public long backlogNanos() {
        long w = watermarkNanos();
        return w == Long.MAX_VALUE ? 0 : Math.max(0, System.nanoTime() - w);
    }

    /**
     * When the datagram the calling stack thread is dispatching came off the socket (nanoTime), or now
     * when the thread is not one of a reception queue's (TCP and TLS read and dispatch on one thread).
     */
    public static long currentReceivedNanos() {
        Slot s = CURRENT.get();
        long n = s == null ? 0 : s.receivedNanos;
        return n != 0 ? n : System.nanoTime();
    }
}
