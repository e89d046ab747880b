package io.sipfleet.simulator.scenario.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.Key;
import io.sipfleet.device.Outputs;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.SimulatorSettings;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.scenario.Scenario;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the library tests share: the scenario files of the repository's {@code scenarios/}, a plain-Java
 * {@link Simulator} on loopback (with the built-in pair, or without it for an external pair), its warm-up, a run
 * that is repeated when it failed on the simulator's own overload alone, and the check that a run left nothing
 * behind.
 */
final class ScenarioLibrary {
    /** The repository's scenarios/ directory (tests run in the simulator module's directory). */
    static final Path DIR = Path.of("..", "scenarios");
    /** The tag of a scenario that must fail (exit code 1). */
    static final String MUST_FAIL = "must-fail";
    /** The tag of the behaviour.md §13 reference timelines. */
    static final String SECTION_13 = "§13";

    private ScenarioLibrary() {
    }

    /**
     * Every real-time scenario file of the library, by file name, sorted: a new file is picked up by itself. The
     * {@code clock: virtual} ones run in virtual time ({@code VirtualRunTest}): they have no wire to run on here.
     */
    static List<String> files() {
        var parser = new io.sipfleet.simulator.scenario.ScenarioParser();
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                    .filter(f -> parser.parse(DIR.resolve(f)).clock() == Scenario.ClockMode.REAL).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A simulator on 127.0.0.1 with 2 shards and no warm-up of its own (as {@code ScenarioRunnerTest}: the
     * conservative default pacing hands a register to 10 phones in a few ms), with the built-in pair on 127.0.0.2
     * and 127.0.0.3 or none.
     */
    static Simulator start(Duration t1, boolean builtin) throws Exception {
        int phonesPort = KamailioPair.freePort("127.0.0.1");
        SimulatorSettings.BuiltinServers servers = builtin
                ? new SimulatorSettings.BuiltinServers(true, "127.0.0.2", KamailioPair.freePort("127.0.0.2"),
                        "127.0.0.3", KamailioPair.freePort("127.0.0.3"))
                : SimulatorSettings.BuiltinServers.off();
        return Simulator.start(SimulatorSettings.defaults()
                .withSip(new SimulatorSettings.Sip(t1, "127.0.0.1", phonesPort, 2, SimulatorSettings.Tls.off()))
                .withBuiltinServers(servers)
                .withDemoFleet(SimulatorSettings.DemoFleet.off())
                .withWarmUp(new SimulatorSettings.WarmUp(false))
                .withShards(2), List.of());
    }

    /**
     * Two rounds of a call and a failover of 40 phones from a silent primary to the backup, so that the runs do not
     * meet a cold JVM: its first failovers come 10-20 ms late, and its first INVITE left 101 ms late here (a call
     * placed with no call before it in the JVM), which moves a call's failover out of its 15 T1 ± 0.5 T1.
     * {@code silence}: the primary's name (built-in) or host:port.
     */
    static void warmUp(Simulator sim, String primaryHost, int primaryPort, String backupHost, int backupPort,
                       String silence) {
        for (int round = 0; round < 2; round++) {
            var fleet = sim.fleets().create(new FleetSpec("warm", FirmwareProfile.V3, 40, 9001, "pw{user}", "", 0,
                    true, 0, LineConfig.builder().registerAddr(primaryHost).registerPort(primaryPort)
                    .backupAddr(backupHost).backupPort(backupPort).keepAliveInterval(0)));
            await("warm-up fleet registered").atMost(Duration.ofSeconds(30))
                    .until(() -> fleet.summary().byActiveServer().getOrDefault("primary", 0) == 40);
            var caller = fleet.phones().get(0);
            var callee = fleet.phones().get(1);
            caller.command(p -> p.press(Key.parseDialString("9002#", "keys")));
            await("warm-up call connected").atMost(Duration.ofSeconds(10)).until(() ->
                    caller.brief().callState() == Outputs.CallState.CONNECTED
                            && callee.brief().callState() == Outputs.CallState.CONNECTED);
            caller.command(p -> p.press(Key.CANCEL));
            await("warm-up call ended").atMost(Duration.ofSeconds(10)).until(() -> idle(caller) && idle(callee));
            sim.availability(silence, Mode.SILENT);
            sim.fleets().forEachPaced(fleet, p -> p.register(1), 2);
            await("warm-up fleet on the backup").atMost(Duration.ofSeconds(30))
                    .until(() -> fleet.summary().byActiveServer().getOrDefault("backup", 0) == 40);
            sim.reset(false);
        }
    }

    private static boolean idle(io.sipfleet.simulator.fleet.PhoneHandle h) {
        var c = h.brief().callState();
        return c == null || c == Outputs.CallState.IDLE;
    }

    /**
     * Runs a scenario on a calm simulator. A run whose only failures are the {@code overloaded} threshold (the
     * simulator said it was behind: a JVM pause, CPU steal on this shared machine) is run again, three runs at
     * most, as {@code ScenarioRunnerTest} does; any other failure is the verdict.
     */
    static RunReport run(Simulator sim, Scenario s) {
        RunReport r = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            await("the simulator is not overloaded").atMost(Duration.ofSeconds(60))
                    .until(() -> !sim.overload().overloaded());
            r = new ScenarioRunner(sim, s).run();
            boolean onlyOverload = r.verdict() == Verdict.FAILED && r.failures().stream()
                    .allMatch(x -> x.text().startsWith("overloaded"));
            if (!onlyOverload) {
                break;
            }
            System.out.println("attempt " + attempt + " of " + s.metadata().name()
                    + " failed on the simulator's own overload, run again:\n" + TextSummary.of(r));
        }
        return r;
    }

    /** Whether a scenario is one that must fail. */
    static boolean mustFail(Scenario s) {
        return s.metadata().tags().contains(MUST_FAIL);
    }

    /**
     * A passing scenario passes (exit code 0); a must-fail one fails with exit code 1, on a failed expectation or
     * threshold named with its measured figure. The summary is the assertion's description.
     */
    static void assertVerdict(Scenario s, RunReport r) {
        String summary = TextSummary.of(r);
        if (mustFail(s)) {
            assertThat(r.verdict()).as(summary).isEqualTo(Verdict.FAILED);
            assertThat(r.verdict().exitCode()).isEqualTo(1);
            assertThat(r.failures()).as(summary).isNotEmpty().allSatisfy(f -> {
                assertThat(f.outcome()).isEqualTo(Outcome.FAILED);
                assertThat(f.text()).isNotBlank();
                assertThat(f.measured()).isNotBlank();
            });
            assertThat(r.reason()).as(summary).contains(r.failures().get(0).text());
        } else {
            assertThat(r.verdict()).as(summary).isEqualTo(Verdict.PASSED);
            assertThat(r.verdict().exitCode()).isZero();
            assertThat(r.results()).as(summary).isNotEmpty().allMatch(x -> x.outcome() == Outcome.PASSED);
        }
    }

    /** No fault, server down, fleet or relay left by the run. */
    static void nothingLeftBehind(Simulator sim) {
        assertThat(sim.faults()).as("faults").isEmpty();
        sim.builtin().ifPresent(b -> assertThat(b.servers()).as("servers").allMatch(x -> x.mode() == Mode.UP));
        assertThat(sim.fleets().fleets()).as("fleets").isEmpty();
        assertThat(sim.relays()).as("relays").isEmpty();
    }
}
