package io.sipfleet.simulator.trace;

import io.sipfleet.device.config.ServerConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A phone's SIP trace as the control plane gives it: its last messages, oldest first, and what each server
 * it talks to is called for it.
 *
 * @param phone     the phone's id
 * @param tracedAll every phone is traced (the fleets are small); otherwise this one since it was asked for
 * @param messages  oldest first
 * @param servers   the phone's servers by {@code ip:port}: their role ({@code primary}, {@code backup}, ...)
 */
public record PhoneSipTrace(String phone, boolean tracedAll, List<TracedMessage> messages, Map<String, String> servers) {

    /** The role of the server at {@code peer} ({@code ip:port}), or the address itself when it is none of them. */
    public String serverName(TracedMessage m) {
        String name = servers.get(m.peer());
        return name != null ? name : m.peer();
    }

    /** Names the phone's servers by role, first line first; a host name is taken with its address. */
    public static Map<String, String> namesOf(List<ServerConfig> servers) {
        Map<String, String> out = new LinkedHashMap<>();
        for (ServerConfig s : servers) {
            String host = s.address();
            try {
                host = java.net.InetAddress.getByName(host.replace("[", "").replace("]", "")).getHostAddress();
            } catch (java.net.UnknownHostException | SecurityException e) {
                // keep the name as configured
            }
            String hp = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + s.port();
            out.putIfAbsent(hp, s.role());
            // TLS is on the configured port; the same server's plain port is the other one's business
        }
        return out;
    }
}
