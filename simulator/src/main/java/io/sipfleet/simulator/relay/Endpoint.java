package io.sipfleet.simulator.relay;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * One end of a relayed hop: a transport ({@code u} UDP, {@code t} TCP) and a host and port. Its
 * {@link #token()} is how the relay writes it into a URI or Via parameter ({@code u.127.0.0.1-5070}):
 * only characters that are tokens in SIP ({@code [a-z0-9._-]}; an IPv6 address has its colons
 * written as {@code _}).
 */
record Endpoint(char transport, String host, int port) {

    Endpoint {
        if (transport != 'u' && transport != 't') {
            throw new IllegalArgumentException("transport must be u or t: " + transport);
        }
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    static Endpoint of(char transport, InetSocketAddress address) {
        return new Endpoint(transport, address.getAddress().getHostAddress(), address.getPort());
    }

    /** "host:port" (IPv6 in brackets), as a {@code Packet} names a phone or a server. */
    String hostPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** {@code u.HOST-PORT} or {@code t.HOST-PORT}. */
    String token() {
        return transport + "." + hostPortToken(host, port);
    }

    /** The inverse of {@link #token()}. */
    static Endpoint parseToken(String token) {
        if (token == null || token.length() < 5 || token.charAt(1) != '.') {
            throw new IllegalArgumentException("not an endpoint token: " + token);
        }
        char t = Character.toLowerCase(token.charAt(0));
        String[] hp = parseHostPortToken(token.substring(2));
        int port = Integer.parseInt(hp[1]);
        if (port == 0) {
            throw new IllegalArgumentException("no port in endpoint token: " + token);
        }
        String host = hp[0].startsWith("[") ? hp[0].substring(1, hp[0].length() - 1) : hp[0];
        return new Endpoint(t, host, port);
    }

    /** {@code HOST-PORT}, port 0 when the original had none (a host name may contain '-', a port never). */
    static String hostPortToken(String host, int port) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.replace(':', '_').toLowerCase(Locale.ROOT) + "-" + Math.max(port, 0);
    }

    /** {host, port} of a {@link #hostPortToken}; port "0" when there was none. */
    static String[] parseHostPortToken(String token) {
        int dash = token == null ? -1 : token.lastIndexOf('-');
        if (dash <= 0 || dash == token.length() - 1) {
            throw new IllegalArgumentException("not a host-port token: " + token);
        }
        String port = token.substring(dash + 1);
        for (int i = 0; i < port.length(); i++) {
            if (!Character.isDigit(port.charAt(i))) {
                throw new IllegalArgumentException("not a host-port token: " + token);
            }
        }
        String host = token.substring(0, dash);
        if (host.indexOf('_') >= 0) {
            host = "[" + host.replace('_', ':') + "]";
        }
        return new String[] {host, Integer.toString(Integer.parseInt(port))};
    }
}
