package io.sipfleet.device.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The configuration of one line (behaviour.md §2), immutable and always valid: the only way to make
 * one is {@link Builder#build()}, which refuses bad items with an {@link InvalidConfigException}
 * naming each of them. A phone therefore keeps its old configuration whenever a new one is refused.
 *
 * <p>The password is held but never shown: {@link #toString()} masks it, and the APIs use
 * {@link #masked()}.
 */
public final class LineConfig {
    public static final int DEFAULT_PORT = 5060;
    public static final int DEFAULT_TTL = 3600;
    public static final int DEFAULT_FAILBACK_INTERVAL = 1800;
    public static final int DEFAULT_SIGNAL_RETRY_COUNTS = 3;
    public static final int DEFAULT_SIGNAL_RETRY_DURATION = 16;
    public static final int DEFAULT_KEEP_ALIVE_INTERVAL = 60;
    public static final int DEFAULT_REGISTER_RETRY_INTERVAL = 32;
    /** Upper bound of Signal Retry Counts: beyond it every budget exceeds 64*T1 anyway. */
    public static final int MAX_SIGNAL_RETRY_COUNTS = 10;
    static final int MAX_INTERVAL = 31 * 24 * 3600;
    public static final String MASK = "****";

    private static final LineConfig DISABLED = builder().build();

    private final List<ServerConfig> servers;
    private final boolean enableFailback;
    private final int failbackInterval;
    private final int signalRetryCounts;
    private final int signalRetryDuration;
    private final String user;
    private final String authUser;
    private final String password;
    private final String displayName;
    private final String domain;
    private final int keepAliveInterval;
    private final int registerRetryInterval;
    // kept as given, so that a builder made from this config round-trips
    private final Builder source;

    private LineConfig(Builder b, List<ServerConfig> servers) {
        this.source = b.copy();
        this.servers = List.copyOf(servers);
        this.enableFailback = b.enableFailback;
        this.failbackInterval = b.failbackInterval;
        this.signalRetryCounts = b.signalRetryCounts;
        this.signalRetryDuration = b.signalRetryDuration;
        this.user = b.user;
        this.authUser = b.authUser.isEmpty() ? b.user : b.authUser;
        this.password = b.password;
        this.displayName = b.displayName;
        this.domain = b.domain.isEmpty() ? b.registerAddr : b.domain;
        this.keepAliveInterval = b.keepAliveInterval;
        this.registerRetryInterval = b.registerRetryInterval;
    }

    /** A line with no server: disabled. */
    public static LineConfig disabled() {
        return DISABLED;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to change some items and build again. */
    public Builder toBuilder() {
        return source.copy();
    }

    /** A line is enabled when it has a primary address (§2: empty = line disabled). */
    public boolean enabled() {
        return !servers.isEmpty();
    }

    /** The server list in priority order: Server1 (primary), Server2 (backup), further servers. */
    public List<ServerConfig> servers() {
        return servers;
    }

    public ServerConfig server(int index) {
        return servers.get(index);
    }

    public boolean enableFailback() {
        return enableFailback;
    }

    public int failbackInterval() {
        return failbackInterval;
    }

    public int signalRetryCounts() {
        return signalRetryCounts;
    }

    public int signalRetryDuration() {
        return signalRetryDuration;
    }

    public String user() {
        return user;
    }

    /** The digest user name; the user when not set. */
    public String authUser() {
        return authUser;
    }

    /** The digest password. Never put it into a response, an event or a log line. */
    public String password() {
        return password;
    }

    public String displayName() {
        return displayName;
    }

    /** The SIP domain of the account; the primary address when not set. */
    public String domain() {
        return domain;
    }

    public int keepAliveInterval() {
        return keepAliveInterval;
    }

    public int registerRetryInterval() {
        return registerRetryInterval;
    }

    /** The configuration as given, with the password replaced by {@value #MASK} (empty stays empty). */
    public Builder masked() {
        Builder b = source.copy();
        b.password = b.password.isEmpty() ? "" : MASK;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LineConfig other && source.equals(other.source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return "LineConfig" + masked();
    }

    /**
     * Collects items, then validates them all at once in {@link #build()}. Its getters expose the
     * items as given (the API's view of a configuration).
     */
    public static final class Builder {
        private static final Pattern HOSTNAME = Pattern.compile(
                "(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
        private static final Pattern IPV4_LIKE = Pattern.compile("[0-9.]+");
        private static final Pattern IPV6 = Pattern.compile("\\[?[0-9A-Fa-f:.]+(%[A-Za-z0-9]+)?]?");

        private String registerAddr = "";
        private int registerPort = DEFAULT_PORT;
        private int registerTtl = DEFAULT_TTL;
        private Transport transport = Transport.UDP;
        private String backupAddr = "";
        private int backupPort = DEFAULT_PORT;
        private int backupTtl = DEFAULT_TTL;
        private Transport backupTransport = Transport.UDP;
        private List<Extra> extraServers = new ArrayList<>();
        private boolean enableFailback = true;
        private int failbackInterval = DEFAULT_FAILBACK_INTERVAL;
        private int signalRetryCounts = DEFAULT_SIGNAL_RETRY_COUNTS;
        private int signalRetryDuration = DEFAULT_SIGNAL_RETRY_DURATION;
        private String user = "";
        private String authUser = "";
        private String password = "";
        private String displayName = "";
        private String domain = "";
        private int keepAliveInterval = DEFAULT_KEEP_ALIVE_INTERVAL;
        private int registerRetryInterval = DEFAULT_REGISTER_RETRY_INTERVAL;

        private Builder() {}

        /** An independent copy of this builder. */
        public Builder copy() {
            Builder b = new Builder();
            b.registerAddr = registerAddr;
            b.registerPort = registerPort;
            b.registerTtl = registerTtl;
            b.transport = transport;
            b.backupAddr = backupAddr;
            b.backupPort = backupPort;
            b.backupTtl = backupTtl;
            b.backupTransport = backupTransport;
            b.extraServers = new ArrayList<>(extraServers);
            b.enableFailback = enableFailback;
            b.failbackInterval = failbackInterval;
            b.signalRetryCounts = signalRetryCounts;
            b.signalRetryDuration = signalRetryDuration;
            b.user = user;
            b.authUser = authUser;
            b.password = password;
            b.displayName = displayName;
            b.domain = domain;
            b.keepAliveInterval = keepAliveInterval;
            b.registerRetryInterval = registerRetryInterval;
            return b;
        }

        public Builder registerAddr(String v) { registerAddr = trim(v); return this; }
        public Builder registerPort(int v) { registerPort = v; return this; }
        public Builder registerTtl(int v) { registerTtl = v; return this; }
        public Builder transport(Transport v) { transport = Objects.requireNonNull(v, "transport"); return this; }
        public Builder backupAddr(String v) { backupAddr = trim(v); return this; }
        public Builder backupPort(int v) { backupPort = v; return this; }
        public Builder backupTtl(int v) { backupTtl = v; return this; }
        public Builder backupTransport(Transport v) { backupTransport = Objects.requireNonNull(v, "backupTransport"); return this; }
        /** Server3, Server4, ...: the model supports longer lists than the vendor's UI shows (§1). */
        public Builder addServer(String address, int port, int ttl, Transport t) {
            extraServers.add(new Extra(trim(address), port, ttl, Objects.requireNonNull(t, "transport")));
            return this;
        }
        public Builder clearExtraServers() { extraServers.clear(); return this; }
        public Builder enableFailback(boolean v) { enableFailback = v; return this; }
        public Builder failbackInterval(int v) { failbackInterval = v; return this; }
        public Builder signalRetryCounts(int v) { signalRetryCounts = v; return this; }
        public Builder signalRetryDuration(int v) { signalRetryDuration = v; return this; }
        public Builder user(String v) { user = trim(v); return this; }
        public Builder authUser(String v) { authUser = trim(v); return this; }
        public Builder password(String v) { password = v == null ? "" : v; return this; }
        public Builder displayName(String v) { displayName = v == null ? "" : v.trim(); return this; }
        public Builder domain(String v) { domain = trim(v); return this; }
        public Builder keepAliveInterval(int v) { keepAliveInterval = v; return this; }
        public Builder registerRetryInterval(int v) { registerRetryInterval = v; return this; }

        public String registerAddr() { return registerAddr; }
        public int registerPort() { return registerPort; }
        public int registerTtl() { return registerTtl; }
        public Transport transport() { return transport; }
        public String backupAddr() { return backupAddr; }
        public int backupPort() { return backupPort; }
        public int backupTtl() { return backupTtl; }
        public Transport backupTransport() { return backupTransport; }
        public List<Extra> extraServers() { return List.copyOf(extraServers); }
        public boolean enableFailback() { return enableFailback; }
        public int failbackInterval() { return failbackInterval; }
        public int signalRetryCounts() { return signalRetryCounts; }
        public int signalRetryDuration() { return signalRetryDuration; }
        public String user() { return user; }
        public String authUser() { return authUser; }
        /** As given; on a builder from {@link LineConfig#masked()} this is the mask. */
        public String password() { return password; }
        public String displayName() { return displayName; }
        public String domain() { return domain; }
        public int keepAliveInterval() { return keepAliveInterval; }
        public int registerRetryInterval() { return registerRetryInterval; }

        /**
         * Validates every item and builds the configuration.
         *
         * @throws InvalidConfigException naming every bad item
         */
        public LineConfig build() {
            List<InvalidConfigException.Violation> bad = new ArrayList<>();
            boolean enabled = !registerAddr.isEmpty();
            address(bad, ConfigItem.REGISTER_ADDR, registerAddr);
            port(bad, ConfigItem.REGISTER_PORT, registerPort);
            range(bad, ConfigItem.REGISTER_TTL, registerTtl, 1, MAX_INTERVAL);
            address(bad, ConfigItem.BACKUP_ADDR, backupAddr);
            port(bad, ConfigItem.BACKUP_PORT, backupPort);
            range(bad, ConfigItem.BACKUP_TTL, backupTtl, 1, MAX_INTERVAL);
            for (int i = 0; i < extraServers.size(); i++) {
                Extra e = extraServers.get(i);
                String where = "server" + (i + 3) + " ";
                if (e.address().isEmpty()) {
                    bad.add(new InvalidConfigException.Violation(ConfigItem.EXTRA_SERVERS, where + "address is empty"));
                } else if (!validAddress(e.address())) {
                    bad.add(new InvalidConfigException.Violation(ConfigItem.EXTRA_SERVERS,
                            where + "address '" + e.address() + "' is neither an IP address nor a domain name"));
                }
                if (e.port() < 1 || e.port() > 65535) {
                    bad.add(new InvalidConfigException.Violation(ConfigItem.EXTRA_SERVERS,
                            where + "port must be 1..65535, got " + e.port()));
                }
                if (e.ttl() < 1 || e.ttl() > MAX_INTERVAL) {
                    bad.add(new InvalidConfigException.Violation(ConfigItem.EXTRA_SERVERS,
                            where + "ttl must be 1.." + MAX_INTERVAL + " s, got " + e.ttl()));
                }
            }
            if (!enabled && (!backupAddr.isEmpty() || !extraServers.isEmpty())) {
                bad.add(new InvalidConfigException.Violation(ConfigItem.REGISTER_ADDR,
                        "is empty but a backup server is set; the primary comes first"));
            }
            if (backupAddr.isEmpty() && !extraServers.isEmpty()) {
                bad.add(new InvalidConfigException.Violation(ConfigItem.BACKUP_ADDR,
                        "is empty but further servers are set; the backup comes before them"));
            }
            range(bad, ConfigItem.FAILBACK_INTERVAL, failbackInterval, 1, MAX_INTERVAL);
            range(bad, ConfigItem.SIGNAL_RETRY_COUNTS, signalRetryCounts, 0, MAX_SIGNAL_RETRY_COUNTS);
            range(bad, ConfigItem.SIGNAL_RETRY_DURATION, signalRetryDuration, 1, 3600);
            if (enabled && user.isEmpty()) {
                bad.add(new InvalidConfigException.Violation(ConfigItem.USER, "is required when the line has a server"));
            }
            if (!user.isEmpty() && !validUser(user)) {
                bad.add(new InvalidConfigException.Violation(ConfigItem.USER,
                        "'" + user + "' has characters a SIP user part cannot carry"));
            }
            if (!authUser.isEmpty() && !validUser(authUser)) {
                bad.add(new InvalidConfigException.Violation(ConfigItem.AUTH_USER,
                        "'" + authUser + "' has characters a SIP user part cannot carry"));
            }
            if (!domain.isEmpty() && !validAddress(domain)) {
                bad.add(new InvalidConfigException.Violation(ConfigItem.DOMAIN,
                        "'" + domain + "' is neither an IP address nor a domain name"));
            }
            if (displayName.length() > 128 || displayName.chars().anyMatch(Character::isISOControl)) {
                bad.add(new InvalidConfigException.Violation(ConfigItem.DISPLAY_NAME,
                        "must be at most 128 printable characters"));
            }
            range(bad, ConfigItem.KEEP_ALIVE_INTERVAL, keepAliveInterval, 0, MAX_INTERVAL);
            range(bad, ConfigItem.REGISTER_RETRY_INTERVAL, registerRetryInterval, 1, MAX_INTERVAL);
            if (!bad.isEmpty()) {
                throw new InvalidConfigException(bad);
            }
            List<ServerConfig> servers = new ArrayList<>();
            if (enabled) {
                servers.add(new ServerConfig(0, registerAddr, registerPort, registerTtl, transport));
                if (!backupAddr.isEmpty()) {
                    servers.add(new ServerConfig(1, backupAddr, backupPort, backupTtl, backupTransport));
                    for (Extra e : extraServers) {
                        servers.add(new ServerConfig(servers.size(), e.address(), e.port(), e.ttl(), e.transport()));
                    }
                }
            }
            return new LineConfig(this, servers);
        }

        private static String trim(String v) {
            return v == null ? "" : v.trim();
        }

        private static void range(List<InvalidConfigException.Violation> bad, ConfigItem item, int v, int min, int max) {
            if (v < min || v > max) {
                bad.add(new InvalidConfigException.Violation(item,
                        "must be " + min + ".." + max + (item == ConfigItem.SIGNAL_RETRY_COUNTS ? "" : " s")
                                + ", got " + v));
            }
        }

        private static void port(List<InvalidConfigException.Violation> bad, ConfigItem item, int v) {
            if (v < 1 || v > 65535) {
                bad.add(new InvalidConfigException.Violation(item, "must be 1..65535, got " + v));
            }
        }

        private static void address(List<InvalidConfigException.Violation> bad, ConfigItem item, String v) {
            if (!v.isEmpty() && !validAddress(v)) {
                bad.add(new InvalidConfigException.Violation(item,
                        "'" + v + "' is neither an IP address nor a domain name"));
            }
        }

        static boolean validAddress(String v) {
            if (IPV4_LIKE.matcher(v).matches()) {
                String[] parts = v.split("\\.", -1);
                if (parts.length != 4) {
                    return false;
                }
                for (String p : parts) {
                    if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
                        return false;
                    }
                }
                return true;
            }
            if (v.indexOf(':') >= 0) {
                return IPV6.matcher(v).matches() && v.chars().filter(c -> c == ':').count() >= 2;
            }
            return HOSTNAME.matcher(v).matches();
        }

        private static boolean validUser(String v) {
            // RFC 3261 user part: unreserved / escaped / user-unreserved; no '@', ':', whitespace
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c <= ' ' || c >= 127 || "@:<>\"\\,/?".indexOf(c) >= 0) {
                    return false;
                }
            }
            return v.length() <= 128;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Builder b && registerAddr.equals(b.registerAddr) && registerPort == b.registerPort
                    && registerTtl == b.registerTtl && transport == b.transport && backupAddr.equals(b.backupAddr)
                    && backupPort == b.backupPort && backupTtl == b.backupTtl && backupTransport == b.backupTransport
                    && extraServers.equals(b.extraServers) && enableFailback == b.enableFailback
                    && failbackInterval == b.failbackInterval && signalRetryCounts == b.signalRetryCounts
                    && signalRetryDuration == b.signalRetryDuration && user.equals(b.user)
                    && authUser.equals(b.authUser) && password.equals(b.password)
                    && displayName.equals(b.displayName) && domain.equals(b.domain)
                    && keepAliveInterval == b.keepAliveInterval && registerRetryInterval == b.registerRetryInterval;
        }

        @Override
        public int hashCode() {
            return Objects.hash(registerAddr, registerPort, registerTtl, transport, backupAddr, backupPort, backupTtl,
                    backupTransport, extraServers, enableFailback, failbackInterval, signalRetryCounts,
                    signalRetryDuration, user, authUser, password, displayName, domain, keepAliveInterval,
                    registerRetryInterval);
        }

        @Override
        public String toString() {
            return "{registerAddr=" + registerAddr + ", registerPort=" + registerPort + ", registerTtl=" + registerTtl
                    + ", transport=" + transport + ", backupAddr=" + backupAddr + ", backupPort=" + backupPort
                    + ", backupTtl=" + backupTtl + ", backupTransport=" + backupTransport
                    + ", extraServers=" + extraServers + ", enableFailback=" + enableFailback
                    + ", failbackInterval=" + failbackInterval + ", signalRetryCounts=" + signalRetryCounts
                    + ", signalRetryDuration=" + signalRetryDuration + ", user=" + user + ", authUser=" + authUser
                    + ", password=" + (password.isEmpty() ? "" : MASK) + ", displayName=" + displayName
                    + ", domain=" + domain + ", keepAliveInterval=" + keepAliveInterval
                    + ", registerRetryInterval=" + registerRetryInterval + "}";
        }
    }

    /** A server after the backup (Server3, ...). */
    public record Extra(String address, int port, int ttl, Transport transport) {}
}
