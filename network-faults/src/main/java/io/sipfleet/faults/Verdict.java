package io.sipfleet.faults;

/**
 * What happens to one packet now. The simulator and the relay carry it out on real packets; this
 * module only decides.
 */
public sealed interface Verdict {
    /** Goes through untouched. */
    Verdict PASS = new Pass();

    /** Goes through untouched. */
    record Pass() implements Verdict {}

    /** Never arrives. */
    record Drop(String fault) implements Verdict {}

    /** Arrives {@code millis} later (reorder too: held so that later packets overtake it). */
    record Delay(String fault, long millis) implements Verdict {}

    /** Arrives, followed by {@code copies} copies, {@code spacingMillis} apart. */
    record Duplicate(String fault, int copies, long spacingMillis) implements Verdict {}

    /**
     * A request never reaches the server; the phone gets this response in the server's place.
     *
     * @param retryAfterSeconds a Retry-After header, or null for none
     */
    record Respond(String fault, int status, String reason, Integer retryAfterSeconds) implements Verdict {}

    /**
     * What a closed port gives: for UDP the packet is dropped and the phone gets ICMP port
     * unreachable; a TCP/TLS connect is refused; on an established connection, the connection is
     * reset (the server's process is gone).
     */
    record Unreachable(String fault) implements Verdict {}

    /** A TCP/TLS connect that never completes (a SYN into a black hole): it times out. */
    record ConnectTimeout(String fault) implements Verdict {}

    /** The established TCP/TLS connection is reset (RST) instead of carrying this packet. */
    record Reset(String fault) implements Verdict {}
}
