package io.sipfleet.simulator.wire;

/** A primary/backup pair of real SIP servers on loopback whose availability a test can set. */
interface RedundantPair extends AutoCloseable {
    String name();

    String host(String server);

    int port(String server);

    /** up, 503, 500, silent or down (down: the port is closed: ICMP unreachable / TCP refused). */
    void mode(String server, String mode);

    @Override
    void close();
}
