package io.sipfleet.device.sip;

/** Why the phone sends a request: lets adapters, logs and invariant checks tell them apart. */
public enum Purpose {
    /** A REGISTER of a registration walk (§6), incl. one made during invite or bye failover. */
    REGISTER,
    /** A REGISTER refreshing the binding on the active server, before its expiry (§6). */
    REFRESH,
    /** The independent REGISTER to Server1 while registered elsewhere (§10). */
    FAILBACK_PROBE,
    /** A REGISTER with Expires: 0. */
    UNREGISTER,
    /** OPTIONS to the active server (keep-alive). */
    KEEPALIVE,
    /** INVITE, ACK, CANCEL and BYE of a call. */
    CALL
}
