package io.sipfleet.simulator.builtin;

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
 * its own loopback address and port (UDP and TCP) with its own JAIN-SIP stack. Like a real redundant
 * pair they share the accounts, the location service (a phone registered through one is reachable
 * through the other) and the digest nonces, and each forwards in-dialog requests whose Route names
 * any server of the group, so a BYE set up through the primary may leave through the backup.
 * Closing the group stops every server.
 */
public final class BuiltinServerGroup implements AutoCloseable {

    /** One server of the group: its name (as the APIs use it), address and port (UDP and TCP). */
    public record Member(String name, String host, int port) {
        public Member {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
            if (name.isBlank()) {
                throw new IllegalArgumentException("server name is blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("server " + name + ": port " + port + " outside 1..65535");
            }
        }

        /** host:port */
        public String address() {
            return host + ":" + port;
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
     * @param connectTimeoutMs bound on a TCP connect to a phone (default 2000)
     */
    public record Config(List<Member> servers, RealmPolicy realm, boolean challengeInvites, int maxExpires,
            long nonceLifetimeMs, int t1Ms, int threads, long connectTimeoutMs) {
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
            if (maxExpires < 1) {
                throw new IllegalArgumentException("maxExpires must be at least 1 s");
            }
            if (nonceLifetimeMs < 1 || t1Ms < 1 || threads < 1 || connectTimeoutMs < 1) {
                throw new IllegalArgumentException("nonceLifetimeMs, t1Ms, threads, connectTimeoutMs must be positive");
            }
        }

        /** The given servers with the defaults. */
        public static Config of(List<Member> servers) {
            return new Config(servers, RealmPolicy.domain(), true, 3600, 600_000, 500, 4, 2_000);
        }

        /** "primary" and "backup" with the defaults. */
        public static Config primaryBackup(String primaryHost, int primaryPort, String backupHost, int backupPort) {
            return of(List.of(new Member("primary", primaryHost, primaryPort),
                    new Member("backup", backupHost, backupPort)));
        }

        public Config withRealm(RealmPolicy r) {
            return new Config(servers, r, challengeInvites, maxExpires, nonceLifetimeMs, t1Ms, threads, connectTimeoutMs);
        }

        public Config withChallengeInvites(boolean c) {
            return new Config(servers, realm, c, maxExpires, nonceLifetimeMs, t1Ms, threads, connectTimeoutMs);
        }

        public Config withMaxExpires(int s) {
            return new Config(servers, realm, challengeInvites, s, nonceLifetimeMs, t1Ms, threads, connectTimeoutMs);
        }

        public Config withNonceLifetimeMs(long ms) {
            return new Config(servers, realm, challengeInvites, maxExpires, ms, t1Ms, threads, connectTimeoutMs);
        }

        public Config withT1Ms(int ms) {
            return new Config(servers, realm, challengeInvites, maxExpires, nonceLifetimeMs, ms, threads, connectTimeoutMs);
        }

        public Config withThreads(int n) {
            return new Config(servers, realm, challengeInvites, maxExpires, nonceLifetimeMs, t1Ms, n, connectTimeoutMs);
        }

        public Config withConnectTimeoutMs(long ms) {
            return new Config(servers, realm, challengeInvites, maxExpires, nonceLifetimeMs, t1Ms, threads, ms);
        }
    }

    /** What the servers of a group share. */
    record Shared(Config config, Accounts accounts, LocationService location, Digest.Nonces nonces,
            Set<String> addresses) {
        /** Whether host:port (port -1 = 5060) is a server of the group. */
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
     * Starts every server (binds UDP and TCP on each address).
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
