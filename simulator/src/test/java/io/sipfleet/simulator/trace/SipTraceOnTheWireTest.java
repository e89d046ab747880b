package io.sipfleet.simulator.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.builtin.Accounts;
import io.sipfleet.simulator.builtin.BuiltinServerGroup;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetListener;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.sip.JainSipSignalling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-phone SIP traces on the real wire, against the built-in servers (T1 = 50 ms): what a phone sent and
 * received, in order, to the right server, with retransmissions marked; off for phones nobody looks at;
 * the pcap export read back by tshark.
 */
class SipTraceOnTheWireTest {
    private ShardedScheduler shards;
    private JainSipSignalling sip;
    private BuiltinServerGroup servers;
    private FleetManager fleets;
    private int primaryPort;
    private int backupPort;

    @BeforeEach
    void start() throws Exception {
        primaryPort = KamailioPair.freePort("127.0.0.2");
        backupPort = KamailioPair.freePort("127.0.0.3");
        servers = new BuiltinServerGroup(BuiltinServerGroup.Config.primaryBackup("127.0.0.2", primaryPort, "127.0.0.3",
                backupPort).withoutTls().withT1Ms(50), Accounts.withRule(u -> "pw" + u));
        shards = new ShardedScheduler(2);
        sip = new JainSipSignalling(new JainSipSignalling.Settings("127.0.0.1", KamailioPair.freePort("127.0.0.1"), 2,
                1_000, "sipfleet-test").withoutTls(), shards::executeAt);
        fleets = new FleetManager(shards, sip, new SipTimers(50), FleetListener.NONE, 1, 100);
    }

    @AfterEach
    void stop() {
        fleets.close();
        sip.close();
        servers.close();
        shards.close();
    }

    private Fleet fleet(String name, int count, long firstUser) {
        return fleets.create(new FleetSpec(name, FirmwareProfile.byName("V3").orElseThrow(), count, firstUser,
                "pw{user}", "", 0, false, 0, LineConfig.builder().registerAddr("127.0.0.2").registerPort(primaryPort)
                .backupAddr("127.0.0.3").backupPort(backupPort).keepAliveInterval(3600)));
    }

    private static List<String> labels(PhoneSipTrace t) {
        return t.messages().stream().map(m -> (m.sent() ? "> " : "< ") + t.serverName(m) + " " + m.label()).toList();
    }

    /** The phone's trace as it is, without asking for it (which would keep it going). */
    private PhoneSipTrace peek(String phone) {
        return new PhoneSipTrace(phone, false, sip.tracer().peek(phone).orElseThrow(),
                java.util.Map.of("127.0.0.2:" + primaryPort, "primary"));
    }

    @Test
    void aSmallFleetIsTracedFromItsFirstRegisterWithTheDigestExchangeOnThePrimary() {
        fleets.tracer(sip.tracer());
        fleet("small", 3, 7001);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> fleets.trace("small-1").orElseThrow().messages().size() >= 4);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("small-1 and small-2 traced only " + labels(fleets.trace("small-1").orElseThrow()) + " / "
                    + labels(fleets.trace("small-2").orElseThrow()), e);
        }
        PhoneSipTrace t = fleets.trace("small-1").orElseThrow();
        assertThat(t.tracedAll()).isTrue();
        assertThat(labels(t)).startsWith("> primary REGISTER", "< primary 401 Unauthorized", "> primary REGISTER",
                "< primary 200 OK");
        List<TracedMessage> m = t.messages();
        assertThat(m.subList(0, 4)).allSatisfy(x -> {
            assertThat(x.peer()).isEqualTo("127.0.0.2:" + primaryPort);
            assertThat(x.transport()).isEqualTo("UDP");
            assertThat(x.callId()).isEqualTo(m.get(0).callId());
            assertThat(x.retransmission()).isFalse();
            assertThat(x.text()).doesNotContain("pw7001");
        });
        assertThat(m.get(0).cseq()).endsWith(" REGISTER");
        assertThat(m.get(2).text()).contains("Authorization: Digest").contains("response=");
        assertThat(m.get(1).atMicros()).isGreaterThan(m.get(0).atMicros());
        // every message of phone 1 is phone 1's: its own user in From, never another phone's
        assertThat(m).allSatisfy(x -> assertThat(x.text()).contains("sip:7001@"));
        // the other phones of the fleet have their own traces
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(labels(fleets.trace("small-2")
                .orElseThrow())).contains("> primary REGISTER", "< primary 200 OK"));
    }

    @Test
    void aPhoneNobodyLooksAtIsNotTracedUntilItsTraceIsAskedForAndStopsAfterTheKeepTime() {
        sip.tracer().settings(new SipTracer.Settings(200, 0, Duration.ofMillis(500), 1000));
        fleets.tracer(sip.tracer());
        Fleet f = fleet("big", 4, 7101);
        await().atMost(Duration.ofSeconds(10)).until(() -> f.summary().byState().getOrDefault("registered", 0) == 4);
        assertThat(SipTracer.anyOn()).as("nothing traced: the stack does not report its messages").isFalse();
        assertThat(sip.tracer().peek("big-1")).isEmpty();

        assertThat(fleets.trace("big-1").orElseThrow().messages()).as("traced from the first time it is asked for")
                .isEmpty();
        assertThat(SipTracer.anyOn()).isTrue();
        f.phones().get(0).command(p -> p.register(1));
        f.phones().get(1).command(p -> p.register(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> labels(peek("big-1"))
                .contains("< primary 200 OK"));
        assertThat(labels(peek("big-1"))).startsWith("> primary REGISTER");
        assertThat(sip.tracer().peek("big-2")).as("a phone nobody asked for").isEmpty();

        // 500 ms after the last look the trace stops at the phone's next message
        await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> true);
        f.phones().get(0).command(p -> p.register(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> sip.tracer().peek("big-1").isEmpty());
        assertThat(SipTracer.anyOn()).isFalse();
    }

    @Test
    void retransmissionsToASilentPrimaryAreMarkedAndTheFailoverGoesToTheBackup() {
        fleets.tracer(sip.tracer());
        servers.server("primary").setMode("silent");
        fleet("rt", 1, 7201);
        await().atMost(Duration.ofSeconds(10)).until(() -> labels(fleets.trace("rt-1").orElseThrow())
                .contains("< backup 200 OK"));
        PhoneSipTrace t = fleets.trace("rt-1").orElseThrow();
        List<TracedMessage> toPrimary = t.messages().stream().filter(m -> "primary".equals(t.serverName(m))).toList();
        assertThat(toPrimary).hasSizeGreaterThan(2);
        assertThat(toPrimary.get(0).retransmission()).isFalse();
        assertThat(toPrimary.subList(1, toPrimary.size())).allSatisfy(m -> {
            assertThat(m.retransmission()).isTrue();
            assertThat(m.branch()).isEqualTo(toPrimary.get(0).branch());
        });
        assertThat(Ladder.of(t)).contains("phone -> primary  REGISTER").contains("[retransmission]")
                .contains("backup -> phone  200 OK");
    }

    /**
     * Loopback answers come back within microseconds: the trace still shows every answer after its request (sends
     * are recorded by our own sockets, stamped when they left, and a trace keeps the wire's order), and tracing a
     * phone leaves the stack's message log off (it used to turn it on for every phone, and the cold-start failover
     * left 20 ms late).
     */
    @Test
    void keepAliveAnswersComeAfterTheirOptionsAndTracingLeavesTheStacksMessageLogOff() {
        fleets.tracer(sip.tracer());
        fleets.create(new FleetSpec("ka", FirmwareProfile.byName("V3").orElseThrow(), 2, 7401, "pw{user}", "", 0, false,
                0, LineConfig.builder().registerAddr("127.0.0.2").registerPort(primaryPort).backupAddr("127.0.0.3")
                        .backupPort(backupPort).keepAliveInterval(1)));
        await().atMost(Duration.ofSeconds(20)).until(() -> fleets.trace("ka-1").orElseThrow().messages().stream()
                .filter(m -> m.status() == 200 && m.cseq() != null && m.cseq().endsWith("OPTIONS")).count() >= 5);
        assertThat(new io.sipfleet.simulator.sip.JainSipStackLogger()
                .isLoggingEnabled(gov.nist.core.LogWriter.TRACE_INFO)).as("the stack's message log").isFalse();

        List<TracedMessage> m = fleets.trace("ka-1").orElseThrow().messages();
        for (int i = 0; i < m.size(); i++) {
            TracedMessage x = m.get(i);
            if (i > 0) {
                assertThat(x.atMicros()).as("in the wire's order").isGreaterThanOrEqualTo(m.get(i - 1).atMicros());
            }
            if (!x.sent() && x.status() > 0) {
                assertThat(m.subList(0, i)).as("the request of " + x.label() + " " + x.cseq() + " comes before it")
                        .anySatisfy(r -> {
                            assertThat(r.sent()).isTrue();
                            assertThat(r.branch()).isEqualTo(x.branch());
                        });
            }
        }
    }

    @Test
    void thePcapExportOpensInTsharkWithTheRegisterAndItsOk(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")), "tshark is not installed");
        fleets.tracer(sip.tracer());
        fleet("pc", 1, 7301);
        await().atMost(Duration.ofSeconds(10)).until(() -> labels(fleets.trace("pc-1").orElseThrow())
                .contains("< primary 200 OK"));
        Path file = dir.resolve("pc-1.pcap");
        Files.write(file, Pcap.of(fleets.trace("pc-1").orElseThrow()));
        Process p = new ProcessBuilder("tshark", "-r", file.toString(), "-Y", "sip", "-T", "fields",
                "-e", "ip.src", "-e", "ip.dst", "-e", "sip.Method", "-e", "sip.Status-Code")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).containsPattern("127\\.0\\.0\\.1\\s+127\\.0\\.0\\.2\\s+REGISTER")
                .containsPattern("127\\.0\\.0\\.2\\s+127\\.0\\.0\\.1\\s+(REGISTER)?\\s*200");
    }
}
