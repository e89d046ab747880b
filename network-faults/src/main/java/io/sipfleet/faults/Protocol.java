package io.sipfleet.faults;

/** The transport a packet travels on. */
public enum Protocol {
    UDP, TCP, TLS;

    /** TCP and TLS: a connection, which can be refused, time out or be reset. */
    public boolean connectionOriented() {
        return this != UDP;
    }
}
