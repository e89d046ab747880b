package io.sipfleet.simulator.wire;

/** A primary/backup pair of real SIP servers on loopback whose availability a test can set. */
interface RedundantPair extends AutoCloseable {
    String name();

    String host(String server);

    int port(String server);

    /** up, 503, 500, silent or down (down: the port is closed: ICMP unreachable / TCP refused). */
    void mode(String server, String mode);

    /** Whether the servers speak SIP over TLS (scenarios with TLS rows are skipped otherwise). */
    default boolean supportsTls() {
        return false;
    }

    /** The server's SIP over TLS port, when {@link #supportsTls()}. */
    default int tlsPort(String server) {
        throw new UnsupportedOperationException(name() + " has no TLS");
    }

    /**
     * Tolerance of an instant that adds a server's answer time (measured in the same run) to a firmware
     * instant: 2 x 20% of T1. A digest registration is two exchanges, and the phone's answer to the 401
     * alone varies by 5-13 ms from one registration to the next on this 2-core machine (measured on the
     * packets, before and after issue 9's changes), so the median of three baseline registrations cannot
     * predict one registration closer than that.
     */
    default long answerTolerance() {
        return 2 * FailoverOnTheWireScenarios.TOLERANCE;
    }

    @Override
    void close();
}
