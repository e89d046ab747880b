package io.sipfleet.device.config;

/**
 * The line configuration items of behaviour.md §2: the camelCase key the APIs use and the vendor's
 * label ("SIPN Register Port"). Validation errors name the key, which is what API clients send.
 */
public enum ConfigItem {
    REGISTER_ADDR("registerAddr", "Register Addr"),
    REGISTER_PORT("registerPort", "Register Port"),
    REGISTER_TTL("registerTtl", "Register TTL"),
    TRANSPORT("transport", "Transport"),
    BACKUP_ADDR("backupAddr", "Backup Addr"),
    BACKUP_PORT("backupPort", "Backup Port"),
    BACKUP_TTL("backupTtl", "Backup TTL"),
    BACKUP_TRANSPORT("backupTransport", "Backup Transport"),
    EXTRA_SERVERS("extraServers", "Server3.."),
    ENABLE_FAILBACK("enableFailback", "Enable Failback"),
    FAILBACK_INTERVAL("failbackInterval", "Failback Interval"),
    SIGNAL_RETRY_COUNTS("signalRetryCounts", "Signal Retry Counts"),
    SIGNAL_RETRY_DURATION("signalRetryDuration", "Signal Retry Duration"),
    USER("user", "User"),
    AUTH_USER("authUser", "Auth User"),
    PASSWORD("password", "Password"),
    DISPLAY_NAME("displayName", "Display Name"),
    DOMAIN("domain", "Domain"),
    KEEP_ALIVE_INTERVAL("keepAliveInterval", "Keep Alive Interval"),
    REGISTER_RETRY_INTERVAL("registerRetryInterval", "Register Retry Interval");

    private final String key;
    private final String label;

    ConfigItem(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** The JSON key (api.md). */
    public String key() {
        return key;
    }

    /** The vendor's label for line N, e.g. "SIP1 Register Port". */
    public String label(int line) {
        return "SIP" + (line <= 0 ? "N" : Integer.toString(line)) + " " + label;
    }
}
