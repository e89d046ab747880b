package io.sipfleet.simulator.scenario.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.scenario.Scenario;
import io.sipfleet.simulator.scenario.ScenarioParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code clock: virtual} (README "Virtual time"): the library's storm scenario, 100,000 phones over two simulated
 * hours, passes on the in-memory pair and reports the REGISTER rate per server; two runs with one seed give the same
 * journal byte for byte.
 */
class VirtualRunTest {
    private static final Path REPORTS = Path.of("target", "scenario-runs");
    private final ScenarioParser parser = new ScenarioParser(FaultTypes.standard(), Duration.ofMillis(500));

    private static String library(String name) throws IOException {
        try (InputStream in = VirtualRunTest.class.getResourceAsStream("/scenarios/" + name + ".yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The storm scenario with fewer phones (and another seed and name, when given). */
    private Scenario storm(int phones, long seed) throws IOException {
        String text = library("virtual-storm-100k").replace("count: 100000", "count: " + phones)
                .replace("failbacks >= 100000", "failbacks >= " + phones).replace("seed: 42", "seed: " + seed)
                .replace("name: virtual-storm-100k", "name: virtual-storm-" + phones);
        return parser.parse(text, "virtual-storm-" + phones);
    }

    /**
     * The must-show figure: 100,000 phones x 2 simulated hours in under 60 s of wall time on this 2-core machine. The
     * bound asserted is generous (a loaded machine must not make it flaky); the measured time is printed.
     */
    @Test
    void theStormOf100000PhonesRunsTwoSimulatedHoursInSeconds() throws IOException {
        Scenario s = parser.parseResource("virtual-storm-100k");
        long t0 = System.nanoTime();
        RunReport r = ScenarioRunner.virtual(s, null).run();
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        List<Path> files = Reports.write(r, REPORTS);
        String rate = r.journal().stream().filter(e -> e.kind().equals("register-rate")).findFirst().orElseThrow()
                .text();
        System.out.println("virtual-storm-100k: " + r.verdict().wireName() + ", " + r.durationMs() / 1000
                + " s simulated in " + wallMs + " ms wall; " + rate);
        r.journal().stream().filter(e -> e.kind().equals("observation")).forEach(e -> System.out.println("  "
                + e.phase() + ": " + e.text()));

        assertThat(r.verdict()).as(TextSummary.of(r)).isEqualTo(Verdict.PASSED);
        assertThat(r.durationMs()).as("simulated time, ms").isGreaterThanOrEqualTo(2 * 3_600_000L);
        assertThat(wallMs).as("wall time, ms (the figure is 60 s; this bound only catches a gross regression)")
                .isLessThan(180_000);
        Path csv = files.get(3);
        assertThat(csv.getFileName().toString()).isEqualTo("virtual-storm-100k.register-rate.csv");
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo(RegisterRate.HEADER);
        // the storm is on the backup: every phone's REGISTER (and its authorised second attempt) reach it
        long backupRegisters = lines.stream().skip(1).mapToLong(l -> Long.parseLong(l.split(",")[3])).sum();
        long backupAccepted = lines.stream().skip(1).mapToLong(l -> Long.parseLong(l.split(",")[4])).sum();
        assertThat(backupAccepted).as("registrations the backup accepted").isGreaterThanOrEqualTo(100_000);
        assertThat(backupRegisters).as("REGISTERs the backup received").isGreaterThanOrEqualTo(2 * backupAccepted);
        JsonNode journal = new ObjectMapper().readTree(files.get(1).toFile());
        JsonNode rateEntry = null;
        for (JsonNode e : journal.get("journal")) {
            if (e.get("kind").asText().equals("register-rate")) {
                rateEntry = e;
            }
        }
        assertThat(rateEntry).as("the register-rate entry of the JSON journal").isNotNull();
        assertThat(rateEntry.at("/data/servers/backup/peakPerSecond").asInt()).isPositive();
        assertThat(rateEntry.at("/data/series").size()).isEqualTo(lines.size() - 1);
    }

    /**
     * The scenario's faults act in virtual time, decided by the fault engine: a {@code respond 503} on the primary moves
     * a re-registering phone to the backup at once (§4), a {@code blackhole} at the V3 budget (15 T1), each exactly.
     */
    @Test
    void faultsActOnVirtualTimeAtTheirInstants() {
        Scenario s = parser.parse("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: virtual-faults}
                clock: virtual
                fleets:
                  - {name: f, model: V3, count: 3, firstUser: 3001, password: "pw{user}", line: {keepAliveInterval: 0}}
                  - {name: g, model: V3, count: 2, firstUser: 3101, password: "pw{user}", line: {keepAliveInterval: 0}}
                steadyState:
                  - {fleet: f, state: registered, within: 5s}
                  - {fleet: g, state: registered, within: 5s}
                steps:
                  - name: primary answers 503
                    action:
                      - {fault: {name: busy, type: respond, target: primary, params: {status: 503}}}
                      - {register: 1, fleet: f}
                    expect:
                      - {fleet: f, event: failover, at: 0s, tolerance: 0ms}
                      - {fleet: f, on: backup, within: 1s}
                  - name: primary a black hole
                    action:
                      - {removeFault: busy}
                      - {fault: {name: hole, type: blackhole, target: primary}}
                      - {register: 1, fleet: g}
                    expect:
                      - {fleet: g, event: failover, at: 15T1, tolerance: 0ms}
                      - {fleet: g, event: registered, server: backup, at: 15T1, tolerance: 0ms}
                      - {phone: f-1, on: backup}
                rollbacks:
                  - {removeFault: hole}
                """, "virtual-faults");
        RunReport r = ScenarioRunner.virtual(s, null).run();
        System.out.println(TextSummary.of(r));
        assertThat(r.verdict()).as(TextSummary.of(r)).isEqualTo(Verdict.PASSED);
        assertThat(r.cleanup()).as("the rollback removed the one fault left").noneMatch(l -> l.startsWith("fault"));
    }

    @Test
    void twoRunsWithTheSameSeedGiveByteIdenticalJournals() throws IOException {
        Scenario s = storm(2_000, 42);
        RunReport first = ScenarioRunner.virtual(s, null).run();
        RunReport second = ScenarioRunner.virtual(s, null).run();
        RunReport otherSeed = ScenarioRunner.virtual(storm(2_000, 43), null).run();
        assertThat(first.verdict()).as(TextSummary.of(first)).isEqualTo(Verdict.PASSED);
        Path dir = REPORTS.resolve("determinism");
        Path a = Reports.write(first, dir.resolve("a")).get(1);
        Path b = Reports.write(second, dir.resolve("b")).get(1);
        byte[] bytesA = Files.readAllBytes(a);
        byte[] bytesB = Files.readAllBytes(b);
        System.out.println("virtual-storm-2000: journal " + bytesA.length + " bytes, " + first.journal().size()
                + " entries; same seed identical: " + java.util.Arrays.equals(bytesA, bytesB)
                + "; seed 43 identical: " + JsonJournal.toString(otherSeed).equals(JsonJournal.toString(first)));
        assertThat(bytesA).as("the JSON journal of a second run with seed 42").isEqualTo(bytesB);
        assertThat(a.getFileName().toString()).endsWith(".journal.json");
        assertThat(JsonJournal.toString(otherSeed)).as("seed 43 draws other refresh jitters")
                .isNotEqualTo(JsonJournal.toString(first));
    }
}
