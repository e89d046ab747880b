package io.sipfleet.simulator.sip;

/**
 * The instant a datagram left our socket, handed from the socket to the send that caused it on the same thread.
 * A traced phone's message is parsed for its trace after it left ({@link TraceTap#sent}) but before the stack's
 * {@code sendRequest} returns; without this, that parsing would count as lateness in a {@code sent-late} event.
 * Marked only while a trace is on; read (and cleared) by {@link JainSipSignalling}.
 */
final class WireInstant {
    private static final ThreadLocal<long[]> LEFT = ThreadLocal.withInitial(() -> new long[1]);

    private WireInstant() {}

    /** The datagram sent from this thread left at {@code nanos} ({@link System#nanoTime()}). */
    static void mark(long nanos) {
        LEFT.get()[0] = nanos;
    }

    /**
     * When the last datagram sent from this thread since {@code sinceNanos} left, or {@code otherwise} when no
     * socket marked one (tracing off: nothing runs between the send and the caller's own reading).
     */
    static long since(long sinceNanos, long otherwise) {
        long[] left = LEFT.get();
        long at = left[0];
        left[0] = 0;
        return at != 0 && at - sinceNanos >= 0 ? at : otherwise;
    }
}
