package io.sipfleet.simulator.builtin;

import io.sipfleet.simulator.sip.TlsMaterial;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A redundant group of built-in registrar + proxy servers, normally "primary" and "backup", each on
 * its own loopback address and port (UDP and TCP) and, by default, SIP over TLS on the next port
 * (5061 beside 5060), with its own JAIN-SIP stack. The TLS certificate is the group's
 * {@link TlsMaterial} (by default the generated one the phones' stack trusts). Like a real redundant
 * pair they share the accounts, the location service (a phone registered through one is reachable
 * through the other) and the digest nonces, and each forwards in-dialog requests whose Route names
 * any server of the group, so a BYE set up through the primary may leave through the backup.
 * Closing the group stops every server.
 */
public final class BuiltinServerGroup implements AutoCloseable {

    /**
     * One server of the group: its name (as the APIs use it), address, port (UDP and TCP) and TLS port.
     *
     * @param tlsPort SIP over TLS; 0 = none. By convention (and by default) {@code port + 1}, as 5061
     *                is TLS's port beside SIP's 5060.
     */
    public record Member(String name, String host, int port, int tlsPort) {
        public Member {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
            if (name.isBlank()) {
                throw new IllegalArgumentException("server name is blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("server " + name + ": port " + port + " outside 1..65535");
            }
            if (tlsPort < 0 || tlsPort > 65535) {
                throw new IllegalArgumentException("server " + name + ": TLS port " + tlsPort
                        + " outside 1..65535 (0 = no TLS)");
            }
            if (tlsPort == port) {
                throw new IllegalArgumentException("server " + name + ": TLS port " + tlsPort + " is its TCP port");
            }
        }

        /** TLS on {@code port + 1} (none for port 65535). */
        public Member(String name, String host, int port) {
            this(name, host, port, defaultTlsPort(port));
        }

        /** {@code port + 1}, or 0 (no TLS) for port 65535. */
        public static int defaultTlsPort(int port) {
            return port > 0 && port < 65535 ? port + 1 : 0;
        }

        public Member withTlsPort(int p) {
            return new Member(name, host, port, p);
        }

        public boolean tls() {
            return tlsPort != 0;
        }

        /** host:port */
        public String address() {
            return host + ":" + port;
        }

        /** host:tlsPort, or null without TLS. */
        public String tlsAddress() {
            return tls() ? host + ":" + tlsPort : null;
        }
    }

    /**
     * @param servers          the members, in priority order
     * @param realm            the digest realm for a domain (default: the domain itself)
     * @param challengeInvites challenge INVITEs with 407 (default true)
     * @param maxExpires       the longest registration granted, s (default 3600)
     * @param nonceLifetimeMs  how long an issued nonce is honoured (default 10 min)
     * @param t1Ms             T1 of the servers' own client transactions (default 500)
     * @param threads          message threads per server stack (default 4)
     * @param connectTimeoutMs bound on a TCP or TLS connect to a phone, and on a TLS handshake (default 2000)
     * @param tls              the servers' TLS key and trust stores; null = {@link TlsMaterial#generated()}
     */
    public record Config(List<Member> servers, RealmPolicy realm, boolean challengeInvites, int maxExpires,
            long nonceLifetimeMs, int t1Ms, int threads, long connectTimeoutMs, TlsMaterial tls) {
        public Config {
            servers = List.copyOf(servers);
            Objects.requireNonNull(realm, "realm");
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("a server group needs at least one server");
            }
            Set<String> names = new HashSet<>();
            Set<String> addresses = new HashSet<>();
            for (Member m : servers) {
                if (!names.add(m.name())) {
                    throw new IllegalArgumentException("server name " + m.name() + " used twice");
                }
                if (!addresses.add(m.host().toLowerCase(Locale.ROOT) + ":" + m.port())) {
                    throw new IllegalArgumentException("server address " + m.address() + " used twice");
                }
            }
            for (Member m : servers) { // TLS listens on TCP too: no other server's port, no other TLS port
                if (m.tls() && !addresses.add(m.host().toLowerCase(Locale.ROOT) + ":" + m.tlsPort())) {
                    throw new IllegalArgumentException("server " + m.name() + ": TLS address " + m.tlsAddress()
                            + " is another server's address");
                }
            }
            if (maxExpires < 1) {
                throw new IllegalArgumentException("maxExpires must be at least 1 s");
            }
            if (nonceLifetimeMs < 1 || t1Ms < 1 || threads < 1 || connectTimeoutMs < 1) {
                throw new IllegalArgumentException("nonceLifetimeMs, t1Ms, threads, connectTimeoutMs must be positive");
            }
        }

        /** Without TLS material of its own: the generated one. */
        public Config(List<Member> servers, RealmPolicy realm, boolean challengeInvites, int maxExpires,
                long nonceLifetimeMs, int t1Ms, int threads, long connectTimeoutMs) {
            this(servers, realm, challengeInvites, maxExpires, nonceLifetimeMs, t1Ms, threads, connectTimeoutMs, null);
        }

        /** The given servers with the defaults. */
        public static Config of(List<Member> servers) {
            return new Config(servers, RealmPolicy.domain(), true, 3600, 600_000, 500, 4, 2_000);
        }

        /** The TLS material the servers use: the given one, or the generated one. */
        public TlsMaterial tlsMaterial() {
            return tls != null ? tls : TlsMaterial.generated();
        }

        /** "primary" and "backup" with the defaults. */
        public static Config primaryBackup(String primaryHost, int primaryPort, String backupHost, int backupPort) {
            return of(List.of(new Member("primary", primaryHost, primaryPort),
                    new Member("backup", backupHost, backupPort)));
        }

        public Config withRealm(RealmPolicy r) {
            return new Config(servers, r, challengeInvites, maxExpires, nonceLifetimeMs, t1Ms, threads,
                    connectTimeoutMs, tls);
        }

        public Config withChallengeInvites(boolean c) {
            return new Config(servers, realm, c, maxExpires, nonceLifetimeMs, t1Ms, threads, connectTimeoutMs, tls);
        }

        public Config withMaxExpires(int s) {
            return new Config(servers, realm, challengeInvites, s, nonceLifetimeMs, t1Ms, threads, connectTimeoutMs,
                    tls);
        }

        public Config withNonceLifetimeMs(long ms) {
            return new Config(servers, realm, challengeInvites, maxExpires, ms, t1Ms, threads, connectTimeoutMs, tls);
        }

        public Config withT1Ms(int ms) {
            return new Config(servers, realm, challengeInvites, maxExpires, nonceLifetimeMs, ms, threads,
                    connectTimeoutMs, tls);
        }

        public Config withThreads(int n) {
            return new Config(servers, realm, challengeInvites, maxExpires, nonceLifetimeMs, t1Ms, n,
                    connectTimeoutMs, tls);
        }

        /** The servers' TLS key and trust stores (null: the generated ones). */
        public Config withTls(TlsMaterial material) {
            return new Config(servers, realm, challengeInvites, maxExpires, nonceLifetimeMs, t1Ms, threads,
                    connectTimeoutMs, material);
        }

        /** Every server without TLS. */
        public Config withoutTls() {
            return new Config(servers.stream().map(m -> m.withTlsPort(0)).toList(), realm, challengeInvites,
                    maxExpires, nonceLifetimeMs, t1Ms, threads, connectTimeoutMs, tls);
        }

        public Config withConnectTimeoutMs(long ms) {
            return new Config(servers, realm, challengeInvites, maxExpires, nonceLifetimeMs, t1Ms, threads, ms, tls);
        }
    }

    /** What the servers of a group share. */
    record Shared(Config config, Accounts accounts, LocationService location, Digest.Nonces nonces,
            Set<String> addresses) {
        /** Whether host:port (port -1 = 5060) is a server of the group (its UDP/TCP or its TLS port). */
        boolean isMember(String host, int port) {
            if (host == null) {
                return false;
            }
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return addresses.contains(h.toLowerCase(Locale.ROOT) + ":" + (port <= 0 ? 5060 : port));
        }
    }

    private final Config config;
    private final Accounts accounts;
    private final LocationService location;
    private final List<BuiltinServer> servers;

    /** Starts the group with a fresh location service on the system clock. */
    public BuiltinServerGroup(Config config, Accounts accounts) {
        this(config, accounts, new LocationService());
    }

    /**
     * Starts every server (binds UDP and TCP on each address, and TLS on each TLS port).
     *
     * @throws IllegalStateException when a server cannot start (address in use, ...); nothing stays open
     */
    public BuiltinServerGroup(Config config, Accounts accounts, LocationService location) {
        this.config = Objects.requireNonNull(config, "config");
        this.accounts = Objects.requireNonNull(accounts, "accounts");
        this.location = Objects.requireNonNull(location, "location");
        Clock clock = location.clock();
        Set<String> addresses = new HashSet<>();
        for (Member m : config.servers()) {
            addresses.add(m.host().toLowerCase(Locale.ROOT) + ":" + m.port());
            if (m.tls()) {
                addresses.add(m.host().toLowerCase(Locale.ROOT) + ":" + m.tlsPort());
            }
        }
        Shared shared = new Shared(config, accounts, location, new Digest.Nonces(clock, config.nonceLifetimeMs()),
                Set.copyOf(addresses));
        List<BuiltinServer> started = new ArrayList<>();
        try {
            for (Member m : config.servers()) {
                started.add(new BuiltinServer(m, shared));
            }
        } catch (RuntimeException e) {
            started.forEach(BuiltinServer::close);
            throw e;
        }
        this.servers = List.copyOf(started);
    }

    public Config config() {
        return config;
    }

    public Accounts accounts() {
        return accounts;
    }

    public LocationService location() {
        return location;
    }

    /** The servers, in the configured (priority) order. */
    public List<BuiltinServer> servers() {
        return servers;
    }

    public Optional<BuiltinServer> find(String name) {
        return servers.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** @throws NoSuchElementException for an unknown name */
    public BuiltinServer server(String name) {
        return find(name).orElseThrow(() -> new NoSuchElementException("no built-in server named " + name));
    }

    /**
     * Stops every server (idempotent). JAIN-SIP's stack stop sleeps a hard-coded second, so the
     * servers are stopped in parallel: about 1 s for the whole group.
     */
    @Override
    public void close() {
        List<Thread> stoppers = new ArrayList<>();
        for (BuiltinServer s : servers) {
            Thread t = new Thread(s::close, "sipfleet-builtin-stop-" + s.name());
            t.setDaemon(true);
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
