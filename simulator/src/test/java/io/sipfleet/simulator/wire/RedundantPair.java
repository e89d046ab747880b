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
     * instant: 20% of T1 by default.
     */
    default long answerTolerance() {
        return FailoverOnTheWireScenarios.TOLERANCE;
    }

    @Override
    void close();
}
