package io.sipfleet.simulator.scenario.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.scenario.Scenario;
import io.sipfleet.simulator.scenario.ScenarioParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every scenario of the library (the repository's {@code scenarios/}, listed afresh: a new file is run without
 * touching this test) against the built-in pair on loopback, T1 = 100 ms, on the plain-Java simulator: each passes
 * (verdict {@code passed}, exit code 0), except those tagged {@code must-fail}, which fail (exit code 1) on a named
 * expectation. The summary of a run that does not give its verdict is the assertion's message. Each run leaves
 * nothing behind. The T1 can be changed with {@code -Dscenario.library.t1Ms=50}: the files write the instants
 * behaviour.md derives from T1 in T1, so they hold at any T1.
 */
class ScenarioLibraryTest {
    /**
     * 100 ms, as {@code ScenarioRunnerTest}: the tightest margins of the library are 1 T1 between a failover and a
     * fleet's registration on the backup (handing a register to 10 phones and a digest registration there: 30-60 ms
     * on this shared 2-core machine).
     */
    private static final Duration T1 = Duration.ofMillis(Long.getLong("scenario.library.t1Ms", 100));
    private static final Path REPORTS = Path.of("target", "scenario-runs", "library");
    private static final Map<String, Long> WALL_MS = new ConcurrentSkipListMap<>();
    private static Simulator sim;
    private static long startedNs;
    private final ScenarioParser parser = new ScenarioParser(FaultTypes.standard(), T1);

    @BeforeAll
    static void start() throws Exception {
        startedNs = System.nanoTime();
        sim = ScenarioLibrary.start(T1, true);
        var p = sim.builtinServer("primary").orElseThrow();
        var b = sim.builtinServer("backup").orElseThrow();
        ScenarioLibrary.warmUp(sim, p.host(), p.port(), b.host(), b.port(), "primary");
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
        long total = WALL_MS.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("scenario library at T1 = %d ms: %d runs, %.1f s of runs, %.1f s in all (with the warm-up)%n",
                T1.toMillis(), WALL_MS.size(), total / 1000.0, (System.nanoTime() - startedNs) / 1e9);
        WALL_MS.forEach((f, ms) -> System.out.printf("  %-42s %6.1f s%n", f, ms / 1000.0));
    }

    @AfterEach
    void cleanSlate() {
        sim.reset(false); // whatever a failed assertion left, the next run starts clean
    }

    static List<String> library() {
        return ScenarioLibrary.files();
    }

    @Test
    void theLibraryHasAScenarioForEveryRowOfSection13AndTheMissionsUses() {
        List<Scenario> all = library().stream().map(f -> parser.parse(ScenarioLibrary.DIR.resolve(f))).toList();
        for (int row = 1; row <= 8; row++) {
            String tag = "§13 row " + row;
            assertThat(all).as(tag).anyMatch(s -> s.metadata().tags().contains(tag)
                    && s.metadata().tags().contains(ScenarioLibrary.SECTION_13));
        }
        assertThat(library()).contains("register-failover-silent-v3.yaml", "register-failover-silent-v2.yaml",
                "register-failover-503-v3.yaml", "register-failover-503-v2.yaml", "register-failover-icmp-v3.yaml",
                "register-failover-icmp-v2.yaml", "register-failover-tcp-blackhole-v3.yaml",
                "register-failover-tcp-blackhole-v2.yaml", "invite-failover-v3.yaml", "bye-failover-v3.yaml",
                "failover-failure-both-silent-v3.yaml", "failback-v3.yaml", "failback-primary-still-silent-v3.yaml",
                "failover-storm-with-calls-v3.yaml", "rolling-restart-v3.yaml", "failover-within-1s-must-fail.yaml");
        assertThat(all).filteredOn(ScenarioLibrary::mustFail).extracting(s -> s.metadata().name())
                .containsExactly("failover-within-1s-must-fail");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("library")
    void eachScenarioGivesItsVerdictAgainstTheBuiltInPair(String file) throws Exception {
        Scenario s = parser.parse(ScenarioLibrary.DIR.resolve(file));

        long t0 = System.nanoTime();
        RunReport r = ScenarioLibrary.run(sim, s);
        WALL_MS.put(file, (System.nanoTime() - t0) / 1_000_000);
        Reports.write(r, REPORTS);
        System.out.printf("%s: %s in %.1f s (%d expectations and thresholds)%n", file, r.verdict().wireName(),
                (System.nanoTime() - t0) / 1e9, r.results().size());

        ScenarioLibrary.assertVerdict(s, r);
        ScenarioLibrary.nothingLeftBehind(sim);
    }
}
