package io.sipfleet.simulator;

import io.sipfleet.simulator.cluster.ClusterShard;
import io.sipfleet.simulator.sip.JainSipSignalling;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a {@link Simulator} is made from, as plain values (architecture.md habit 6: the service maps
 * its {@code sipfleet.*} configuration to this record; a test, the scenario runner or a command line build
 * one directly). {@link #defaults()} gives the service's defaults (README "Configuration").
 *
 * @param sip            the phones' SIP stack
 * @param builtinServers the built-in primary and backup servers
 * @param demoFleet      a fleet created at start on the built-in servers
 * @param overload       the watch on the simulator's own lag
 * @param capacity       what happens to a fleet beyond the measured capacity
 * @param warmUp         the failover paths run once at start
 * @param trace          per-phone SIP traces
 * @param shards         single-threaded shards the phones are spread over
 * @param seed           seed of every phone's random source (with the phone's id) and of the faults
 * @param eventsPerPhone recent events kept per phone
 * @param eventsRetained events kept across every phone
 * @param cluster        which slice of every fleet this instance owns when instances share fleets
 */
public record SimulatorSettings(Sip sip, BuiltinServers builtinServers, DemoFleet demoFleet, Overload overload,
                                Capacity capacity, WarmUp warmUp, Trace trace, int shards, long seed,
                                int eventsPerPhone, long eventsRetained, ClusterShard cluster) {
    /** A single instance (shard 0 of 1). */
    public SimulatorSettings(Sip sip, BuiltinServers builtinServers, DemoFleet demoFleet, Overload overload,
                             Capacity capacity, WarmUp warmUp, Trace trace, int shards, long seed,
                             int eventsPerPhone, long eventsRetained) {
        this(sip, builtinServers, demoFleet, overload, capacity, warmUp, trace, shards, seed, eventsPerPhone,
                eventsRetained, ClusterShard.SINGLE);
    }

    public SimulatorSettings {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(sip, "sip");
        Objects.requireNonNull(builtinServers, "builtinServers");
        Objects.requireNonNull(demoFleet, "demoFleet");
        Objects.requireNonNull(overload, "overload");
        Objects.requireNonNull(capacity, "capacity");
        Objects.requireNonNull(warmUp, "warmUp");
        Objects.requireNonNull(trace, "trace");
    }

    /** The service's defaults: the built-in servers on 127.0.0.2/127.0.0.3:5060, a demo fleet of 10 V3 phones. */
    public static SimulatorSettings defaults() {
        return new SimulatorSettings(Sip.defaults(), BuiltinServers.defaults(), DemoFleet.defaults(),
                Overload.defaults(), new Capacity(false), new WarmUp(true), Trace.defaults(), 4, 1, 500, 1_000_000);
    }

    public SimulatorSettings withCluster(ClusterShard c) {
        return new SimulatorSettings(sip, builtinServers, demoFleet, overload, capacity, warmUp, trace, shards, seed,
                eventsPerPhone, eventsRetained, c);
    }

    public SimulatorSettings withSip(Sip s) {
        return new SimulatorSettings(s, builtinServers, demoFleet, overload, capacity, warmUp, trace, shards, seed,
                eventsPerPhone, eventsRetained, cluster);
    }

    public SimulatorSettings withBuiltinServers(BuiltinServers b) {
        return new SimulatorSettings(sip, b, demoFleet, overload, capacity, warmUp, trace, shards, seed,
                eventsPerPhone, eventsRetained, cluster);
    }

    public SimulatorSettings withDemoFleet(DemoFleet d) {
        return new SimulatorSettings(sip, builtinServers, d, overload, capacity, warmUp, trace, shards, seed,
                eventsPerPhone, eventsRetained, cluster);
    }

    public SimulatorSettings withOverload(Overload o) {
        return new SimulatorSettings(sip, builtinServers, demoFleet, o, capacity, warmUp, trace, shards, seed,
                eventsPerPhone, eventsRetained, cluster);
    }

    public SimulatorSettings withCapacity(Capacity c) {
        return new SimulatorSettings(sip, builtinServers, demoFleet, overload, c, warmUp, trace, shards, seed,
                eventsPerPhone, eventsRetained, cluster);
    }

    public SimulatorSettings withWarmUp(WarmUp w) {
        return new SimulatorSettings(sip, builtinServers, demoFleet, overload, capacity, w, trace, shards, seed,
                eventsPerPhone, eventsRetained, cluster);
    }

    public SimulatorSettings withTrace(Trace t) {
        return new SimulatorSettings(sip, builtinServers, demoFleet, overload, capacity, warmUp, t, shards, seed,
                eventsPerPhone, eventsRetained, cluster);
    }

    public SimulatorSettings withShards(int n) {
        return new SimulatorSettings(sip, builtinServers, demoFleet, overload, capacity, warmUp, trace, n, seed,
                eventsPerPhone, eventsRetained, cluster);
    }

    public SimulatorSettings withSeed(long s) {
        return new SimulatorSettings(sip, builtinServers, demoFleet, overload, capacity, warmUp, trace, shards, s,
                eventsPerPhone, eventsRetained, cluster);
    }

    public SimulatorSettings withEvents(int perPhone, long retained) {
        return new SimulatorSettings(sip, builtinServers, demoFleet, overload, capacity, warmUp, trace, shards, seed,
                perPhone, retained, cluster);
    }

    /**
     * The phones' SIP stack.
     *
     * @param t1          RFC 3261 T1 for every phone; every §5 time scales with it
     * @param bindAddress address the stack binds
     * @param port        its SIP port, UDP and TCP
     * @param threads     the stack's message threads
     */
    public record Sip(Duration t1, String bindAddress, int port, int threads, Tls tls) {
        public Sip {
            Objects.requireNonNull(t1, "t1");
            Objects.requireNonNull(bindAddress, "bindAddress");
            Objects.requireNonNull(tls, "tls");
        }

        public static Sip defaults() {
            return new Sip(Duration.ofMillis(500), "127.0.0.1", 5070, 4, Tls.generated());
        }
    }

    /**
     * SIP over TLS, for the phones' stack and the built-in servers (each on its SIP port + 1).
     *
     * @param stores the key and trust stores; empty: a self-signed certificate generated at start (both sides trust it)
     */
    public record Tls(boolean enabled, Optional<Stores> stores) {
        public Tls {
            Objects.requireNonNull(stores, "stores");
        }

        /** TLS with a certificate generated at start. */
        public static Tls generated() {
            return new Tls(true, Optional.empty());
        }

        /** No TLS listening points. */
        public static Tls off() {
            return new Tls(false, Optional.empty());
        }
    }

    /** A key store (the certificate the phones and servers present) and the trust store a server's is checked against. */
    public record Stores(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword,
                         String storeType) {}

    /** The built-in primary and backup servers. */
    public record BuiltinServers(boolean enabled, String primaryHost, int primaryPort, String backupHost,
                                 int backupPort) {
        public static BuiltinServers defaults() {
            return new BuiltinServers(true, "127.0.0.2", 5060, "127.0.0.3", 5060);
        }

        public static BuiltinServers off() {
            return new BuiltinServers(false, "127.0.0.2", 5060, "127.0.0.3", 5060);
        }
    }

    /**
     * A fleet created at start on the built-in servers (only when they are enabled).
     *
     * @param model a model's name (V2, V3)
     */
    public record DemoFleet(boolean enabled, String name, int count, String model, long firstUser) {
        public static DemoFleet defaults() {
            return new DemoFleet(true, "demo", 10, "V3", 1001);
        }

        public static DemoFleet off() {
            return new DemoFleet(false, "demo", 10, "V3", 1001);
        }
    }

    /**
     * The watch on the simulator's own lag (README "Overload").
     *
     * @param threshold lag that makes the simulator overloaded; empty: 10% of T1
     * @param recovery  how long every lag must stay below it before the simulator is no longer overloaded
     * @param wireTolerance how much later than the phone's timing set for it a request may reach the wire before
     *                  the phone says so (a {@code sent-late} event marked overloaded)
     */
    public record Overload(Optional<Duration> threshold, Duration recovery, Duration wireTolerance) {
        public Overload {
            Objects.requireNonNull(threshold, "threshold");
            Objects.requireNonNull(recovery, "recovery");
            Objects.requireNonNull(wireTolerance, "wireTolerance");
        }

        public static Overload defaults() {
            return new Overload(Optional.empty(), Duration.ofSeconds(1),
                    Duration.ofNanos(JainSipSignalling.DEFAULT_WIRE_TOLERANCE_NANOS));
        }
    }

    /** @param enforce refuse a fleet whose projected steady load exceeds the measured capacity, instead of warning */
    public record Capacity(boolean enforce) {}

    /** @param enabled run the failover paths once at start (README "Warm start") */
    public record WarmUp(boolean enabled) {}

    /**
     * Per-phone SIP traces (README "SIP trace").
     *
     * @param messages   messages kept per traced phone
     * @param maxPhones  every phone is traced while there are at most this many (0: only phones asked for)
     * @param keep       a phone asked for stays traced this long after the last time
     * @param maxWatched phones traced on demand at once
     */
    public record Trace(int messages, int maxPhones, Duration keep, int maxWatched) {
        public static Trace defaults() {
            return new Trace(200, 0, Duration.ofMinutes(5), 1000);
        }
    }
}
