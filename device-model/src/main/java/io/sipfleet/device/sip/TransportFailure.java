package io.sipfleet.device.sip;

/** Failures below SIP that make a server unavailable (behaviour.md §4, items 2 and 3). */
public enum TransportFailure {
    /** UDP: ICMP destination unreachable (port, host or net). */
    ICMP_UNREACHABLE("icmp-unreachable"),
    /** TCP/TLS: the connection was refused (RST to the SYN). */
    TCP_REFUSED("tcp-refused"),
    /** TCP/TLS: the connect did not complete. */
    TCP_CONNECT_TIMEOUT("tcp-connect-timeout"),
    /** TCP/TLS: an established connection was reset before the answer. */
    TCP_RESET("tcp-reset"),
    /** TLS: the handshake failed. */
    TLS_HANDSHAKE_FAILED("tls-failed"),
    /** The request could not be sent for another local reason. */
    SEND_FAILED("send-failed");

    private final String reason;

    TransportFailure(String reason) {
        this.reason = reason;
    }

    /** The reason as events name it. */
    public String reason() {
        return reason;
    }
}
