package io.sipfleet.simulator.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.SimulatorSettings;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.scenario.Scenario;
import io.sipfleet.simulator.scenario.ScenarioParser;
import io.sipfleet.simulator.scenario.run.Outcome;
import io.sipfleet.simulator.scenario.run.RunReport;
import io.sipfleet.simulator.scenario.run.ScenarioRunner;
import io.sipfleet.simulator.scenario.run.TextSummary;
import io.sipfleet.simulator.scenario.run.Verdict;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's "real phones too", with SIPp standing in for a physical phone behind the fault relays of the plain-Java
 * simulator (built-in servers on loopback, T1 = 100 ms): its registration through a relay is a phone registered on the
 * primary, and a scenario judges its failover from the primary's relay to the backup's from its traffic alone.
 */
class RelayPhonesSippTest {
    private static final Duration T1 = Duration.ofMillis(100);
    private static final Path DIR = Path.of("target", "relay-phones");
    private static Simulator sim;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(SippPhone.available(), "sipp (Debian package sip-tester) is not installed");
        sim = Simulator.start(SimulatorSettings.defaults()
                .withSip(new SimulatorSettings.Sip(T1, "127.0.0.1", KamailioPair.freePort("127.0.0.1"), 1,
                        SimulatorSettings.Tls.off()))
                .withBuiltinServers(new SimulatorSettings.BuiltinServers(true, "127.0.0.2",
                        KamailioPair.freePort("127.0.0.2"), "127.0.0.3", KamailioPair.freePort("127.0.0.3")))
                .withDemoFleet(SimulatorSettings.DemoFleet.off())
                .withWarmUp(new SimulatorSettings.WarmUp(false))
                .withShards(1), List.of());
        for (String u : List.of("4701", "4702")) {
            sim.builtin().orElseThrow().accounts().add(u, "pw" + u);
        }
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void sippRegisteringThroughARelayIsAPhoneOfItsFleetRegisteredOnThePrimary() throws Exception {
        FaultRelay relay = sim.startRelay("plain", "127.0.0.1", 0, "primary");
        try {
            SippPhone.Run run = SippPhone.run(DIR.resolve("plain"), "register-digest.xml", "127.0.0.1:" + relay.port(),
                    "4701", KamailioPair.freePort("127.0.0.1"), 10);
            assertThat(run.exitCode()).as(run.output()).isZero();

            ObservedPhones phones = sim.observedPhones().orElseThrow();
            List<ObservedPhone> fleet = phones.fleet("relay:plain");
            assertThat(fleet).extracting(ObservedPhone::id).containsExactly("4701@127.0.0.1");
            ObservedPhone phone = fleet.get(0);
            assertThat(phone.brief().state()).isEqualTo(LineState.REGISTERED);
            assertThat(phone.brief().activeServer()).isEqualTo("primary");
            assertThat(phone.events(0)).extracting(FleetEvent::event).extracting(PhoneEvent::type)
                    .containsExactly("registering", "registered");
            var registered = (PhoneEvent.Registered) phone.events(0).get(1).event();
            assertThat(registered.server().address()).isEqualTo(relay.upstream() + "/UDP");
            assertThat(registered.expires()).isEqualTo(120);
            assertThat(phone.view().requests().get("primary").get("REGISTER").transactions()).isEqualTo(2);
            assertThat(relay.counters().malformed()).isZero();
        } finally {
            sim.stopRelay("plain");
        }
        assertThat(sim.observedPhones().orElseThrow().fleet("relay:plain")).as("gone with its relay").isEmpty();
    }

    @Test
    void aScenarioJudgesARealPhonesFailoverFromThePrimarysRelayToTheBackupsFromItsTraffic() throws Exception {
        int p = KamailioPair.freePort("127.0.0.1");
        int b = KamailioPair.freePort("127.0.0.1");
        int phonePort = KamailioPair.freePort("127.0.0.1");
        Scenario s = new ScenarioParser(FaultTypes.standard(), T1).parse("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: relay-phone-failover}
                relays:
                  - {name: p, listen: "127.0.0.1:%d", upstream: primary}
                  - {name: b, listen: "127.0.0.1:%d", upstream: backup}
                steps:
                  - name: the phone registers through the primary's relay
                    expect:
                      - {fleet: "relay:p", phones: all, on: primary, within: 20s}
                  - name: silence the primary
                    action: {server: primary, mode: silent}
                    expect:
                      - {phone: 4702@127.0.0.1, event: failover, within: 20s}
                      - {fleet: "relay:p", phones: all, on: backup, within: 20s}
                      - {fleet: "relay:b", phones: 1, state: registered, within: 20s}
                rollbacks:
                  - {server: primary, mode: up}
                """.formatted(p, b), "relay-phone-failover.yaml");
        CompletableFuture<RunReport> running = CompletableFuture.supplyAsync(() -> new ScenarioRunner(sim, s).run());
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> sim.relays().containsKey("p")
                    && sim.relays().containsKey("b"));
            SippPhone.Run first = SippPhone.run(DIR.resolve("first"), "register-digest.xml", "127.0.0.1:" + p, "4702",
                    phonePort, 10);
            assertThat(first.exitCode()).as(first.output()).isZero();
            var primary = sim.builtin().orElseThrow().servers().stream().filter(x -> x.name().equals("primary"))
                    .findFirst().orElseThrow();
            await().atMost(Duration.ofSeconds(20)).until(() -> primary.mode() == Mode.SILENT);
            // the phone's refresh through the primary's relay goes unanswered (sends at 0, 1, 3, 7 T1, given up at
            // 7.5 T1); it fails over: it registers through the backup's relay
            SippPhone.Run unanswered = SippPhone.run(DIR.resolve("unanswered"), "register-unanswered.xml",
                    "127.0.0.1:" + p, "4702", phonePort, 10);
            assertThat(unanswered.exitCode()).as(unanswered.output()).isZero();
            SippPhone.Run backup = SippPhone.run(DIR.resolve("backup"), "register-digest.xml", "127.0.0.1:" + b,
                    "4702", phonePort, 10);
            assertThat(backup.exitCode()).as(backup.output()).isZero();
        } finally {
            RunReport r = running.get(60, TimeUnit.SECONDS);
            assertThat(r.verdict()).as(TextSummary.of(r)).isEqualTo(Verdict.PASSED);
            assertThat(r.results()).extracting(x -> x.outcome()).containsOnly(Outcome.PASSED);
            assertThat(r.results().get(1).measured()).as(TextSummary.of(r)).contains("4702@127.0.0.1: failover at +");
            assertThat(r.journal()).as("the journal's observation of relay:p after the failover step")
                    .anySatisfy(e -> assertThat(e.text()).startsWith("fleet relay:p: "
                            + "{registered=1}, on {backup=1}, events {failover=1, registered=1}"));
        }
        assertThat(sim.relays()).as("the run's relays stopped").isEmpty();
    }
}
