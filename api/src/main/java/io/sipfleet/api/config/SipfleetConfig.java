package io.sipfleet.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Every {@code sipfleet.*} key (README "Configuration"). Lives only in api; the domain gets plain values. */
@ConfigMapping(prefix = "sipfleet")
public interface SipfleetConfig {
    Sip sip();

    BuiltinServers builtinServers();

    DemoFleet demoFleet();

    /** Single-threaded shards the phones are spread over. */
    @WithDefault("4")
    int shards();

    /** Seed of every phone's random source (with the phone's id): the same seed repeats a run. */
    @WithDefault("1")
    long seed();

    /** Recent events kept per phone for GET /api/phones/{id}/events. */
    @WithDefault("500")
    int eventsPerPhone();

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
}
