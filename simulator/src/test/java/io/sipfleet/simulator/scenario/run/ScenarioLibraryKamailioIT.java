package io.sipfleet.simulator.scenario.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.kamailio.KamailioPair;
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
 * The library's behaviour.md §13 scenarios (tagged {@code §13}, picked up by themselves) against a real Kamailio
 * primary and backup on 127.0.0.2 and 127.0.0.3 sharing registrations ({@link KamailioPair}), T1 = 100 ms, with the
 * files unchanged: each run's servers are replaced as the command line's
 * {@code --server primary=HOST:PORT --server backup=HOST:PORT} does ({@link Scenario#withServer}), on a simulator
 * without built-in servers. Every file passes (exit code 0) and leaves nothing behind; so do the library's other
 * files (the must-fail one fails, exit code 1).
 *
 * <p>A file's {@code {server: primary, mode: ...}} cannot be done to a real server by the simulator: it is done on
 * the path, by the simulator's availability faults on the phones' side of the wire (README "Network faults"):
 * {@code silent} a black hole both ways, {@code 503}/{@code 500} answered in the server's place, {@code down} the
 * port closed as ICMP port unreachable gives it; {@code up} removes the fault. Kamailio itself is never changed.
 * Skipped with a message when kamailio is not installed.
 */
class ScenarioLibraryKamailioIT {
    private static final Duration T1 = Duration.ofMillis(100);
    private static final Path REPORTS = Path.of("target", "scenario-runs", "library-kamailio");
    private static final Map<String, Long> WALL_MS = new ConcurrentSkipListMap<>();
    private static KamailioPair pair;
    private static Simulator sim;
    private static long startedNs;
    private final ScenarioParser parser = new ScenarioParser(FaultTypes.standard(), T1);

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(KamailioPair.available(), KamailioPair::unavailableReason);
        startedNs = System.nanoTime();
        pair = KamailioPair.start();
        sim = ScenarioLibrary.start(T1, false);
        KamailioPair.Server p = pair.primary();
        KamailioPair.Server b = pair.backup();
        ScenarioLibrary.warmUp(sim, p.host(), p.port(), b.host(), b.port(), p.hostPort());
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
        if (pair != null) {
            pair.close();
        }
        if (startedNs != 0) {
            long total = WALL_MS.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("scenario library on Kamailio at T1 = %d ms: %d runs, %.1f s of runs, %.1f s in "
                    + "all (with the pair's start and the warm-up)%n", T1.toMillis(), WALL_MS.size(), total / 1000.0,
                    (System.nanoTime() - startedNs) / 1e9);
            WALL_MS.forEach((f, ms) -> System.out.printf("  %-42s %6.1f s%n", f, ms / 1000.0));
        }
    }

    @AfterEach
    void cleanSlate() {
        if (sim != null) {
            sim.reset(false);
        }
    }

    /** The §13 files of the library. */
    static List<String> section13() {
        ScenarioParser p = new ScenarioParser(FaultTypes.standard(), T1);
        return ScenarioLibrary.files().stream()
                .filter(f -> p.parse(ScenarioLibrary.DIR.resolve(f)).metadata().tags()
                        .contains(ScenarioLibrary.SECTION_13))
                .toList();
    }

    /** The other files of the library: the mission's uses and the must-fail example. */
    static List<String> others() {
        List<String> rows = section13();
        return ScenarioLibrary.files().stream().filter(f -> !rows.contains(f)).toList();
    }

    @Test
    void everyRowOfSection13IsRunHere() {
        List<Scenario> rows = section13().stream().map(f -> parser.parse(ScenarioLibrary.DIR.resolve(f))).toList();
        for (int row = 1; row <= 8; row++) {
            String tag = "§13 row " + row;
            assertThat(rows).as(tag).anyMatch(s -> s.metadata().tags().contains(tag));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("section13")
    void eachSection13ScenarioPassesAgainstKamailio(String file) throws Exception {
        Scenario s = parser.parse(ScenarioLibrary.DIR.resolve(file))
                .withServer(Scenario.ServerDef.parseOverride("primary=" + pair.primary().hostPort()))
                .withServer(Scenario.ServerDef.parseOverride("backup=" + pair.backup().hostPort()));
        assertThat(s.servers().all()).noneMatch(Scenario.ServerDef::builtin);

        long t0 = System.nanoTime();
        RunReport r = ScenarioLibrary.run(sim, s);
        WALL_MS.put(file, (System.nanoTime() - t0) / 1_000_000);
        Reports.write(r, REPORTS);
        System.out.printf("[kamailio] %s: %s in %.1f s (%d expectations and thresholds)%n", file,
                r.verdict().wireName(), (System.nanoTime() - t0) / 1e9, r.results().size());

        ScenarioLibrary.assertVerdict(s, r);
        ScenarioLibrary.nothingLeftBehind(sim);
        assertThat(pair.primary().isRunning()).isTrue();
        assertThat(pair.backup().isRunning()).isTrue();
    }

    /**
     * The rest of the library against the same pair: the mission's uses pass (the TCP black hole over Kamailio's
     * TCP, the bye failover through its record-routed dialog, the storm, the rolling restart) and the must-fail
     * example fails with exit code 1.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("others")
    void theOtherScenariosGiveTheirVerdictAgainstKamailioToo(String file) throws Exception {
        eachSection13ScenarioPassesAgainstKamailio(file);
    }
}
