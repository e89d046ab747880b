package io.sipfleet.device.event;

import io.sipfleet.device.config.ServerConfig;

/**
 * A server as events show it.
 *
 * @param role    {@code primary}, {@code backup}, {@code server3}, ...
 * @param address {@code host:port/TRANSPORT}
 */
public record ServerRef(String role, String address) {
    public static ServerRef of(ServerConfig s) {
        return s == null ? null : new ServerRef(s.role(), s.label());
    }
}
