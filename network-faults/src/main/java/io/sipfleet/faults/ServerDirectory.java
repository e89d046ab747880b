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
     */
    ServerDirectory HOST_PORT = target -> {
        throw new UnsupportedOperationException("TODO");
    };
}
