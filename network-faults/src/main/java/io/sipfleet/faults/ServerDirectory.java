package io.sipfleet.faults;

import java.util.Optional;

/**
 * Turns a fault's target into the {@code host:port} its packets carry: a built-in server's name
 * ({@code primary}) or an external {@code host:port}.
 */
@FunctionalInterface
public interface ServerDirectory {
    /** The server's {@code host:port}, or empty when the target names no server. */
    Optional<String> resolve(String target);

    /**
     * Only {@code host:port} targets (a host name or IPv4/IPv6 literal, {@code [v6]:port}; port 1..65535),
     * returned normalised (lower-case host).
     *
     * <p>Accepts an RFC 1123 host name or a dotted-quad IPv4 literal before the colon, or an IPv6
     * literal in brackets (no zone id); surrounding blanks are ignored. Normalised: the host
     * lower-cased, the port in plain decimal, an IPv6 address in its RFC 5952 text form
     * ({@code [2001:DB8:0:0::1]:05060} gives {@code [2001:db8::1]:5060}). No DNS lookup. Anything
     * else (no port, port 0 or above 65535, a bare IPv6 address, a URI) gives empty.
     */
    ServerDirectory HOST_PORT = HostPort::normalise;
}
