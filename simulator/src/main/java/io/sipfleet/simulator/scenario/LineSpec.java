package io.sipfleet.simulator.scenario;

import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.Transport;

/**
 * The line configuration items of a scenario fleet (behaviour.md §2, camelCase as in the REST line JSON).
 * Every item is optional (null: the default of §2). The server addresses and the account are not here:
 * they come from the scenario's {@code servers} and the fleet's {@code firstUser}/{@code password}.
 */
public record LineSpec(Integer registerTtl, Transport transport, Integer backupTtl, Transport backupTransport,
                       Boolean enableFailback, Integer failbackInterval, Integer signalRetryCounts,
                       Integer signalRetryDuration, Integer keepAliveInterval, Integer registerRetryInterval,
                       String displayName, String domain) {

    public static final LineSpec DEFAULTS = new LineSpec(null, null, null, null, null, null, null, null, null, null,
            null, null);

    /** Applies the items given onto {@code b} (the builder validates on build). */
    public LineConfig.Builder applyTo(LineConfig.Builder b) {
        if (registerTtl != null) b.registerTtl(registerTtl);
        if (transport != null) b.transport(transport);
        if (backupTtl != null) b.backupTtl(backupTtl);
        if (backupTransport != null) b.backupTransport(backupTransport);
        if (enableFailback != null) b.enableFailback(enableFailback);
        if (failbackInterval != null) b.failbackInterval(failbackInterval);
        if (signalRetryCounts != null) b.signalRetryCounts(signalRetryCounts);
        if (signalRetryDuration != null) b.signalRetryDuration(signalRetryDuration);
        if (keepAliveInterval != null) b.keepAliveInterval(keepAliveInterval);
        if (registerRetryInterval != null) b.registerRetryInterval(registerRetryInterval);
        if (displayName != null) b.displayName(displayName);
        if (domain != null) b.domain(domain);
        return b;
    }

    /** Whether any server of the line is reached over TLS. */
    public boolean usesTls() {
        return transport == Transport.TLS || backupTransport == Transport.TLS;
    }
}
