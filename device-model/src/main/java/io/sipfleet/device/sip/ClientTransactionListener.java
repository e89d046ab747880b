package io.sipfleet.device.sip;

/**
 * How results of a sent request come back to the phone. An adapter calls exactly these, from the
 * phone's scheduler (never concurrently with other calls into the same phone). After
 * {@link SipSignalling#abandon} it calls nothing more for that request.
 */
public interface ClientTransactionListener {
    void onResponse(OutboundRequest request, SipResponse response);

    /** Timer B/F expired with no final response (64*T1 after the first send). */
    void onTimeout(OutboundRequest request);

    void onTransportError(OutboundRequest request, TransportFailure failure);

    /**
     * The request left for the wire at {@code atMillis} (simulation clock), later than it was handed to
     * {@link SipSignalling#send}: the adapter was behind its own work. The §5 budget counts from the first
     * send on the wire, as the retransmissions do. An adapter that sends at once need not call it.
     */
    default void onSent(OutboundRequest request, long atMillis) {}

    /**
     * The request reached the wire {@code lateMillis} after the instant the phone's own timing set for it (the
     * timer that decided it fired late, or it waited behind the adapter's backlog): an instant the spec fixes
     * (a failover 15*T1 after the first send, a keep-alive, a failback probe) was not kept, and the simulator,
     * not the server, is why. The adapter calls it only past its tolerance, once per request.
     */
    default void onSentLate(OutboundRequest request, long lateMillis) {}
}
