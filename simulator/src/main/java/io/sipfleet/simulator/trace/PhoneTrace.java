package io.sipfleet.simulator.trace;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} SIP messages of one phone, oldest first: a ring, so a traced phone costs a
 * bounded amount however long it runs. Written by the SIP stack's threads, read by the control plane.
 */
final class PhoneTrace {
    private final TracedMessage[] ring;
    private int next;
    private int size;
    /** When someone last asked for it (nanoTime); 0: never (traced because the fleets are small). */
    private volatile long lastReadNanos;

    PhoneTrace(int capacity) {
        this.ring = new TracedMessage[Math.max(1, capacity)];
    }

    /** Adds a message, marked as a retransmission when the same message went the same way before. */
    synchronized void add(TracedMessage m) {
        for (int i = 1; i <= size; i++) {
            TracedMessage before = ring[Math.floorMod(next - i, ring.length)];
            if (before.sameAs(m)) {
                m = m.asRetransmission();
                break;
            }
        }
        // in the order of the wire: a response read off the socket before the sending thread recorded its request
        // goes after that request (a loopback answer can come back within microseconds)
        int at = next;
        int moved = 0;
        while (moved < size - (size == ring.length ? 1 : 0)) {
            int prev = Math.floorMod(at - 1, ring.length);
            if (ring[prev].atMicros() <= m.atMicros()) {
                break;
            }
            ring[at] = ring[prev];
            at = prev;
            moved++;
        }
        ring[at] = m;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
    }

    /** Its messages, oldest first. */
    synchronized List<TracedMessage> messages() {
        List<TracedMessage> out = new ArrayList<>(size);
        for (int i = size; i >= 1; i--) {
            out.add(ring[Math.floorMod(next - i, ring.length)]);
        }
        return out;
    }

    void read(long nowNanos) {
        lastReadNanos = nowNanos;
    }

    long lastReadNanos() {
        return lastReadNanos;
    }
}
