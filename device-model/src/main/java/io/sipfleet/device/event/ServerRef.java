package io.sipfleet.device.event;

import io.sipfleet.device.config.ServerConfig;

/**
 * A server as events show it.
 *
 * @param role    {@code primary}, {@code backup}, {@code server3}, ...
 * @param address {@code host:port/TRANSPORT}
 */
public record ServerRef(String role, String address) {
    /** One per distinct server: every phone of a fleet has the same servers, and each event names one or two. */
    private static final java.util.Map<ServerConfig, ServerRef> SHARED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_SHARED = 10_000;

    public static ServerRef of(ServerConfig s) {
        if (s == null) {
            return null;
        }
        ServerRef r = SHARED.get(s);
        if (r == null) {
            r = new ServerRef(s.role(), s.label());
            if (SHARED.size() < MAX_SHARED) {
                SHARED.putIfAbsent(s, r);
            }
        }
        return r;
    }
}
