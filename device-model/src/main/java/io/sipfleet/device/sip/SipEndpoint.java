package io.sipfleet.device.sip;

/** Where requests from servers to a phone are delivered (the UAS side of a phone). */
public interface SipEndpoint {
    String phoneId();

    void onIncomingInvite(InboundRequest invite);

    void onIncomingCancel(InboundRequest cancel);

    void onIncomingBye(InboundRequest bye);
}
