package io.sipfleet.device.sip;

/** The SIP methods a phone sends or answers. */
public enum Method {
    REGISTER, INVITE, ACK, BYE, CANCEL, OPTIONS;

    /** INVITE client transactions retransmit on Timer A (unbounded doubling) and wait on Timer B. */
    public boolean invite() {
        return this == INVITE;
    }
}
