package io.sipfleet.api.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.Transport;
import java.util.List;

/**
 * A line configuration as JSON (api.md: the items of behaviour.md §2 in camelCase). In a request a
 * missing item keeps its current (or default) value; in an answer the password is masked.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LineConfigJson(String registerAddr, Integer registerPort, Integer registerTtl, Object transport,
                             String backupAddr, Integer backupPort, Integer backupTtl, Object backupTransport,
                             List<ExtraServer> extraServers, Object enableFailback, Integer failbackInterval,
                             Integer signalRetryCounts, Integer signalRetryDuration, String user, String authUser,
                             String password, String displayName, String domain, Integer keepAliveInterval,
                             Integer registerRetryInterval) {

    /** Server3 and beyond. */
    public record ExtraServer(String address, Integer port, Integer ttl, Object transport) {}

    /** Applies the items given onto {@code b}; the builder validates on build. */
    public LineConfig.Builder applyTo(LineConfig.Builder b, String prefix) {
        if (registerAddr != null) b.registerAddr(registerAddr);
        if (registerPort != null) b.registerPort(registerPort);
        if (registerTtl != null) b.registerTtl(registerTtl);
        if (transport != null) b.transport(transport(transport, prefix + "transport"));
        if (backupAddr != null) b.backupAddr(backupAddr);
        if (backupPort != null) b.backupPort(backupPort);
        if (backupTtl != null) b.backupTtl(backupTtl);
        if (backupTransport != null) b.backupTransport(transport(backupTransport, prefix + "backupTransport"));
        if (extraServers != null) {
            b.clearExtraServers();
            for (int i = 0; i < extraServers.size(); i++) {
                ExtraServer e = extraServers.get(i);
                String where = prefix + "extraServers[" + i + "].";
                if (e == null || e.address() == null) {
                    throw new InvalidInputException(where + "address", "a further server needs an address");
                }
                b.addServer(e.address(), e.port() == null ? LineConfig.DEFAULT_PORT : e.port(),
                        e.ttl() == null ? LineConfig.DEFAULT_TTL : e.ttl(),
                        e.transport() == null ? Transport.UDP : transport(e.transport(), where + "transport"));
            }
        }
        if (enableFailback != null) b.enableFailback(flag(enableFailback, prefix + "enableFailback"));
        if (failbackInterval != null) b.failbackInterval(failbackInterval);
        if (signalRetryCounts != null) b.signalRetryCounts(signalRetryCounts);
        if (signalRetryDuration != null) b.signalRetryDuration(signalRetryDuration);
        if (user != null) b.user(user);
        if (authUser != null) b.authUser(authUser);
        if (password != null) b.password(password);
        if (displayName != null) b.displayName(displayName);
        if (domain != null) b.domain(domain);
        if (keepAliveInterval != null) b.keepAliveInterval(keepAliveInterval);
        if (registerRetryInterval != null) b.registerRetryInterval(registerRetryInterval);
        return b;
    }

    private static Transport transport(Object v, String field) {
        if (v instanceof Number n && n.doubleValue() != n.intValue()) {
            throw new InvalidInputException(field, "transport is UDP, TCP, TLS or the code 0, 1, 3; got " + v);
        }
        if (!(v instanceof Number) && !(v instanceof String)) {
            throw new InvalidInputException(field, "transport is UDP, TCP, TLS or the code 0, 1, 3; got " + v);
        }
        try {
            return v instanceof Number n ? Transport.fromCode(n.intValue()) : Transport.parse(v.toString());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, e.getMessage());
        }
    }

    private static boolean flag(Object v, String field) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n && (n.intValue() == 0 || n.intValue() == 1) && n.doubleValue() == n.intValue()) {
            return n.intValue() == 1;
        }
        throw new InvalidInputException(field, "must be 0, 1, true or false, got " + v);
    }

    /** The configuration in force, password masked. */
    public static LineConfigJson of(LineConfig.Builder b) {
        return new LineConfigJson(b.registerAddr(), b.registerPort(), b.registerTtl(), b.transport().name(),
                b.backupAddr(), b.backupPort(), b.backupTtl(), b.backupTransport().name(),
                b.extraServers().stream().map(e -> new ExtraServer(e.address(), e.port(), e.ttl(), e.transport().name()))
                        .toList(),
                b.enableFailback() ? 1 : 0, b.failbackInterval(), b.signalRetryCounts(), b.signalRetryDuration(),
                b.user(), b.authUser(), b.password(), b.displayName(), b.domain(), b.keepAliveInterval(),
                b.registerRetryInterval());
    }
}
