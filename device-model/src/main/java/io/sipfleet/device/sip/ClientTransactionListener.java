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
}
