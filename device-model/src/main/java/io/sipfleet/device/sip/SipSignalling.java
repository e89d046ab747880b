package io.sipfleet.device.sip;

/**
 * The phone's port to the network (architecture.md habit 7: named by role; adapters by technology).
 * The transaction layer lives behind it: UDP retransmissions on the RFC 3261 schedule with the
 * request's T1, Timer B/F at 64*T1, dialogs, digest computation. The firmware's own rules (budget,
 * walk, failover) live in the model, which calls {@link #abandon} when a budget runs out.
 * Implementations never block the caller.
 */
public interface SipSignalling {
    /** Starts a client transaction (or, for ACK, just sends it); results go to the request's listener. */
    void send(OutboundRequest request);

    /** Stops retransmitting the request and forgets it: no more callbacks for it. */
    void abandon(OutboundRequest request);

    /** Answers a request a server sent to the phone (180, 200, 481, 486, 487, ...). */
    void respond(InboundRequest request, int status);

    /**
     * A phone was configured with {@code server}: the adapter may get ready for it (resolve it, open what a
     * first send would open), so that the first request to it leaves as fast as the later ones.
     */
    default void prepare(io.sipfleet.device.config.ServerConfig server) {}

    /** A phone is gone for good: the adapter forgets what it kept for it (requests to it are then refused). */
    default void forget(String phoneId, java.util.List<String> contactUsers) {}
}
