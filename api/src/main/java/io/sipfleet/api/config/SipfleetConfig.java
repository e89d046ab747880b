package io.sipfleet.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Every {@code sipfleet.*} key (README "Configuration"). Lives only in api; the domain gets plain values. */
@ConfigMapping(prefix = "sipfleet")
public interface SipfleetConfig {
    Sip sip();

    Api api();

    BuiltinServers builtinServers();

    DemoFleet demoFleet();

    Mqtt mqtt();

    Overload overload();

    Capacity capacity();

    WarmUp warmUp();

    Trace trace();

    Stream stream();

    Cluster cluster();

    /** Single-threaded shards the phones are spread over. */
    @WithDefault("4")
    int shards();

    /** Seed of every phone's random source (with the phone's id): the same seed repeats a run. */
    @WithDefault("1")
    long seed();

    /** Recent events kept per phone for GET /api/phones/{id}/events. */
    @WithDefault("500")
    int eventsPerPhone();

    /**
     * Events kept across every phone: past it, a phone that adds one lets its oldest go (each keeps at least
     * its last 8). Bounds the memory of a long run of a big fleet (about 80 bytes an event).
     */
    @WithDefault("1000000")
    long eventsRetained();

    /** The watch on the simulator's own lag (README "Overload"). */
    /** One fleet across several instances (README "Scale-out"). */
    interface Cluster {
        /** This instance, 0..shard-count - 1 (on Kubernetes, the StatefulSet ordinal). */
        @WithDefault("0")
        int shardIndex();

        /** How many instances share every fleet; each powers on its slice of phones. */
        @WithDefault("1")
        int shardCount();
    }

    interface Overload {
        /** Lag that makes the simulator overloaded; default 10% of T1 (enough to distort a §5 budget). */
        Optional<Duration> threshold();

        /** How long every lag must stay below the threshold before the simulator is no longer overloaded. */
        @WithDefault("1s")
        Duration recovery();

        /**
         * How much later than the phone's timing set for it a request may reach the wire before the phone says it
         * left late (a {@code sent-late} event marked overloaded): 4 ms, so that the promise of 5 ms holds on a
         * clock that counts whole milliseconds.
         */
        @WithDefault("4ms")
        Duration wireTolerance();
    }

    /** Per-phone SIP traces (README "SIP trace"). */
    interface Trace {
        /** Messages kept per traced phone (the last ones). */
        @WithDefault("200")
        int messages();

        /**
         * Every phone is traced while the simulator has at most this many phones (0: only phones asked for).
         * Off by default: a traced phone's messages are parsed and copied on the thread that sent or received
         * them, which a timing run of thousands of phones need not pay.
         */
        @WithDefault("0")
        int maxPhones();

        /** A phone whose trace was asked for stays traced this long after the last time. */
        @WithDefault("5m")
        Duration keep();

        /** Phones traced on demand at once (past it, the one asked for longest ago stops). */
        @WithDefault("1000")
        int maxWatched();
    }

    /** The live stream (README "Live stream"). */
    interface Stream {
        /** Events that may wait for one client; past it, its oldest are dropped and counted. */
        @WithDefault("10000")
        int queueSize();
    }

    /** The failover paths run once at start, before readiness turns UP (README "Warm start"). */
    interface WarmUp {
        @WithDefault("true")
        boolean enabled();
    }

    /** What this instance can carry, and whether a fleet beyond it is refused. */
    interface Capacity {
        /** Refuse (422) a fleet whose projected steady load exceeds the measured capacity, instead of warning. */
        @WithDefault("false")
        boolean enforce();
    }

    /** The REST API's protection. */
    interface Api {
        /**
         * A bearer token every /api request must carry ({@code Authorization: Bearer <token>}). Required
         * when the HTTP server binds beyond loopback ({@code quarkus.http.host}); never logged.
         */
        Optional<String> token();
    }

    interface Sip {
        /** RFC 3261 T1 for every phone; every §5 time scales with it. */
        @WithDefault("500ms")
        Duration t1();

        /** Address the phones' SIP stack binds. */
        @WithDefault("127.0.0.1")
        String bindAddress();

        /** Its SIP port, UDP and TCP. */
        @WithDefault("5070")
        int port();

        /** The stack's message threads. */
        @WithDefault("4")
        int threads();

        Tls tls();
    }

    /**
     * SIP over TLS, for the phones' stack and the built-in servers. Without stores of its own the
     * simulator generates a self-signed certificate at start (both sides trust it).
     */
    interface Tls {
        /** Whether the phones and the built-in servers listen for TLS (each on its SIP port + 1). */
        @WithDefault("true")
        boolean enabled();

        /** A key store (with the certificate the phones and servers present); empty = generated. */
        Optional<String> keyStore();

        Optional<String> keyStorePassword();

        /** The trust store a server's certificate is checked against; required with key-store. */
        Optional<String> trustStore();

        Optional<String> trustStorePassword();

        /** Type of both stores. */
        @WithDefault("PKCS12")
        String storeType();
    }

    interface BuiltinServers {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("127.0.0.2")
        String primaryHost();

        @WithDefault("5060")
        int primaryPort();

        @WithDefault("127.0.0.3")
        String backupHost();

        @WithDefault("5060")
        int backupPort();
    }

    interface DemoFleet {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("demo")
        String name();

        @WithDefault("10")
        int count();

        @WithDefault("V3")
        String model();

        @WithDefault("1001")
        long firstUser();
    }

    /**
     * The MQTT control surface (api.md "MQTT"): the broker the service connects to (an embedded one by
     * default) and the base topic. The SmallRye connector's own settings in application.properties take
     * these values, so set them here, not there.
     */
    interface Mqtt {
        /** Run an embedded broker (Moquette, MQTT 3.1.1) on bind-address:port. */
        @WithDefault("true")
        boolean embedded();

        /** The broker the service connects to (with embedded: the embedded broker's address). */
        @WithDefault("127.0.0.1")
        String host();

        @WithDefault("1883")
        int port();

        /**
         * Address the embedded broker listens on. Anything but loopback requires username and
         * password, which the embedded broker then demands of every client.
         */
        @WithDefault("127.0.0.1")
        String bindAddress();

        /** The user the service connects as (and, embedded, the only user the broker accepts). */
        Optional<String> username();

        /** Its password. Never logged. */
        Optional<String> password();

        /** Connect over TLS (an external broker; trust store in the connector's ssl.truststore.* keys). */
        @WithDefault("false")
        boolean tls();

        /** Every topic lives under it: {base}/phones/{id}/state, {base}/errors, ... */
        @WithDefault("sipfleet")
        String baseTopic();

        /** A phone's retained state is published at most once per this interval (bursts coalesce). */
        @WithDefault("250ms")
        Duration stateInterval();

        /** Events and error answers waiting for the broker; past this the oldest are dropped (and counted). */
        @WithDefault("100000")
        int queueSize();
    }
}
