package io.sipfleet.device.config;

/**
 * One server of a line's server list.
 *
 * @param index     position in the list, 0 = Server1 (primary)
 * @param address   IP address or domain name
 * @param port      1..65535
 * @param ttl       registration period asked for on this server, seconds
 * @param transport UDP, TCP or TLS
 */
public record ServerConfig(int index, String address, int port, int ttl, Transport transport) {

    /** The role name the APIs use: {@code primary}, {@code backup}, then {@code server3}, ... */
    public String role() {
        return roleOf(index);
    }

    /** {@code host:port/TRANSPORT}, as events and the APIs show it. */
    public String label() {
        return hostPort() + "/" + transport.name();
    }

    /** {@code host:port}, with IPv6 literals in brackets. */
    public String hostPort() {
        String host = address.indexOf(':') >= 0 && !address.startsWith("[") ? "[" + address + "]" : address;
        return host + ":" + port;
    }

    public static String roleOf(int index) {
        return switch (index) {
            case 0 -> "primary";
            case 1 -> "backup";
            default -> "server" + (index + 1);
        };
    }

    @Override
    public String toString() {
        return role() + "(" + label() + ")";
    }
}
