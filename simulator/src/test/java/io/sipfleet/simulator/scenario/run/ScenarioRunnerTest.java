package io.sipfleet.simulator.scenario.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.SimulatorSettings;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.scenario.Scenario;
import io.sipfleet.simulator.scenario.ScenarioParser;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The scenario runner against the built-in servers on loopback, T1 = 100 ms, on the plain-Java simulator: the
 * library's examples pass and fail as they say, an abortOnFail step and an abort from outside run every rollback and
 * leave nothing behind, and the JUnit XML validates against the Jenkins junit-4 schema
 * ({@code src/test/resources/junit/junit-4.xsd}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScenarioRunnerTest {
    /**
     * Shortened from 500 ms, but not to the wire tests' 50 ms: the silent-primary example leaves 1 T1 between the
     * failover (15 T1) and its deadline (16 T1) for handing the register to 10 phones and a digest registration on
     * the backup, which took 30-60 ms here on a shared 2-core machine (measured by this runner: failover at
     * +766..773 ms, registered on the backup at +802..817 ms). At 100 ms the margin is 100 ms.
     */
    private static final Duration T1 = Duration.ofMillis(100);
    private static final Path REPORTS = Path.of("target", "scenario-runs");
    private static Simulator sim;
    private final ScenarioParser parser = new ScenarioParser(FaultTypes.standard(), T1);

    @BeforeAll
    static void start() throws Exception {
        int phonesPort = KamailioPair.freePort("127.0.0.1");
        int primaryPort = KamailioPair.freePort("127.0.0.2");
        int backupPort = KamailioPair.freePort("127.0.0.3");
        sim = Simulator.start(SimulatorSettings.defaults()
                .withSip(new SimulatorSettings.Sip(T1, "127.0.0.1", phonesPort, 2, SimulatorSettings.Tls.off()))
                .withBuiltinServers(new SimulatorSettings.BuiltinServers(true, "127.0.0.2", primaryPort, "127.0.0.3",
                        backupPort))
                .withDemoFleet(SimulatorSettings.DemoFleet.off())
                // the simulator's own warm-up measures the capacity that paces fleet-wide commands: on this shared
                // 2-core machine under other builds it measured ~2.9 ms a transaction, and handing a register to 10
                // phones then took 41 ms of the example's 1 T1 (50 ms) margin. Off, the conservative default paces
                // 10 phones in ~7 ms, and the JIT is warmed by the failover below instead.
                .withWarmUp(new SimulatorSettings.WarmUp(false))
                .withShards(2), List.of());
        warmFailoverPaths(primaryPort, backupPort);
    }

    /**
     * Failovers from a silent primary, twice, with 40 phones, and a call before each, so that the runs below do not
     * meet a cold JVM (its first failovers at T1 = 50 ms come 10-20 ms late, marked overloaded, and the example's
     * margin is 1 T1; its first INVITE left 101 ms late, outside the invite example's 15 T1 ± 0.5 T1): the library
     * tests' warm-up ({@link ScenarioLibrary#warmUp}).
     */
    private static void warmFailoverPaths(int primaryPort, int backupPort) {
        ScenarioLibrary.warmUp(sim, "127.0.0.2", primaryPort, "127.0.0.3", backupPort, "primary");
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @AfterEach
    void cleanSlate() {
        sim.reset(false); // whatever a failed assertion left, the next test starts clean
    }

    @Test
    @Order(99) // last: after the other runs have exercised the same paths (the JIT)
    void theSilentPrimaryExamplePassesAndLeavesNothingBehind() throws Exception {
        Scenario s = parser.parseResource("register-failover-silent-v3");
        // Its threshold 'overloaded == false' holds the simulator to a run without lag beyond 10% of T1; on this
        // shared machine a JVM pause or CPU steal of 30-40 ms sometimes comes in the middle of a run (seen here:
        // jvm-pause 37.6 ms), or a phone's task starts more than 10 ms late. The runner then says so (the watch's
        // episode, or the events decided while behind) and the run fails on that threshold alone: such a run is
        // repeated (at most three in all), each started on a calm simulator. Any other failure fails the test.
        RunReport r = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            await("the simulator is not overloaded").atMost(Duration.ofSeconds(30))
                    .until(() -> !sim.overload().overloaded());
            r = new ScenarioRunner(sim, s).run();
            boolean onlyOverload = r.verdict() == Verdict.FAILED && r.failures().stream()
                    .allMatch(x -> x.text().startsWith("overloaded"));
            if (!onlyOverload) {
                break;
            }
            System.out.println("attempt " + attempt + " failed on the simulator's own overload, run again:\n"
                    + TextSummary.of(r));
            nothingLeftBehind();
        }
        List<Path> files = Reports.write(r, REPORTS);

        assertThat(r.verdict()).as(TextSummary.of(r)).isEqualTo(Verdict.PASSED);
        assertThat(r.verdict().exitCode()).isZero();
        assertThat(r.results()).hasSize(2 + 1 + 4 + 2).allMatch(x -> x.outcome() == Outcome.PASSED);
        assertThat(r.phases()).extracting(StepResult::name).containsExactly("steady state (before)",
                "all on the primary", "silence the primary", "register again", "steady state (after)");
        ExpectationResult failover = result(r, "steps[2].expect[1]");
        assertThat(failover.text()).isEqualTo("{phone: v3-1, event: failover, at: 1.5s, tolerance: 50ms}");
        assertThat(failover.measured()).startsWith("v3-1: failover at +");
        assertThat(result(r, "steps[2].expect[0]").measured()).startsWith("10/10 phones on backup at +");
        assertThat(result(r, "steps[2].expect[3]").measured()).startsWith("failoverLatency.p95 = ");
        assertThat(r.thresholds()).extracting(ExpectationResult::measured)
                .containsExactly("registrationsFailed = 0", "overloaded = false");
        // (a run that ended on its own overload is printed above with what the runner found late)
        assertThat(r.journal()).extracting(JournalEntry::kind)
                .contains("run", "fleet", "step", "action", "expectation", "observation", "rollback", "cleanup", "verdict");
        assertThat(r.journal()).anyMatch(e -> e.kind().equals("action") && e.text().startsWith("{server: primary, mode: silent}"));
        assertThat(r.rollbacks()).containsExactly("{server: primary, mode: up}: primary (" + sim.builtinServer("primary")
                .orElseThrow().address() + ") is up");
        nothingLeftBehind();

        Path xml = files.get(0);
        validates(xml);
        var doc = parse(xml);
        assertThat(doc.getDocumentElement().getAttribute("tests")).isEqualTo("9");
        assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("0");
        assertThat(new String(Files.readAllBytes(files.get(1)), StandardCharsets.UTF_8))
                .contains("\"verdict\" : \"passed\"", "\"journal\"");
    }

    @Test
    @Order(98)
    void theInviteFailoverExamplePasses() throws Exception {
        Scenario s = parser.parseResource("invite-failover-v3");
        await("the simulator is not overloaded").atMost(Duration.ofSeconds(30))
                .until(() -> !sim.overload().overloaded());

        RunReport r = new ScenarioRunner(sim, s).run();
        Reports.write(r, REPORTS);

        assertThat(r.verdict()).as(TextSummary.of(r)).isEqualTo(Verdict.PASSED);
        assertThat(result(r, "steps[2].expect[1]").measured()).startsWith("desk-1: call-established at +");
        assertThat(r.thresholds()).extracting(ExpectationResult::outcome).containsOnly(Outcome.PASSED);
        assertThat(r.rollbacks()).hasSize(2);
        nothingLeftBehind();
    }

    @Test
    void theMustFailExampleFailsNamingTheExpectationTheFigureAndThePhonesThatMissed() throws Exception {
        Scenario s = parser.parseResource("failover-within-1s-must-fail");

        RunReport r = new ScenarioRunner(sim, s).run();
        List<Path> files = Reports.write(r, REPORTS);

        assertThat(r.verdict()).as(TextSummary.of(r)).isEqualTo(Verdict.FAILED);
        assertThat(r.verdict().exitCode()).isEqualTo(1);
        ExpectationResult miss = result(r, "steps[1].expect[0]");
        assertThat(miss.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(miss.text()).isEqualTo("{fleet: impatient, phones: all, on: backup, within: 200ms}");
        assertThat(miss.measured()).matches("0/5 phones on backup at \\+2\\d\\dms \\(wanted all 5\\)");
        assertThat(miss.missed()).isEqualTo(5);
        assertThat(miss.evidence()).extracting(PhoneEvidence::phone)
                .containsExactly("impatient-1", "impatient-2", "impatient-3", "impatient-4", "impatient-5");
        assertThat(miss.evidence()).allSatisfy(p -> assertThat(p.lastEvents()).isNotEmpty());
        assertThat(r.reason()).contains("silence the primary and register", "abortOnFail");
        assertThat(r.phases()).filteredOn(p -> p.name().equals("never reached")).singleElement()
                .extracting(StepResult::outcome).isEqualTo(Outcome.SKIPPED);
        assertThat(result(r, "steadyState[0]@after").outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.rollbacks()).singleElement().asString().startsWith("{server: primary, mode: up}: primary");
        nothingLeftBehind();

        Path xml = files.get(0);
        validates(xml);
        var doc = parse(xml);
        assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("1");
        NodeList failures = doc.getElementsByTagName("failure");
        assertThat(failures.getLength()).isEqualTo(1);
        Element failure = (Element) failures.item(0);
        Element testcase = (Element) failure.getParentNode();
        assertThat(testcase.getAttribute("name"))
                .isEqualTo("silence the primary and register: {fleet: impatient, phones: all, on: backup, within: 200ms}");
        assertThat(failure.getAttribute("message")).contains("on: backup, within: 200ms", "0/5 phones on backup");
        assertThat(failure.getTextContent()).contains("phones that missed: 5", "impatient-1", "impatient-5",
                "registering");
        assertThat(doc.getElementsByTagName("skipped").getLength()).isEqualTo(1); // the steady state after
    }

    @Test
    void anAbortOnFailStepThatFailsRunsEveryRollbackAndLeavesNoFaultNoServerDownAndNoFleet() throws Exception {
        Scenario s = parser.parse("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: abort-on-fail-leaves-nothing}
                fleets:
                  - {name: lab, model: V3, count: 3, firstUser: 4101, password: "pw{user}", line: {keepAliveInterval: 0}}
                steadyState:
                  - {fleet: lab, state: registered, within: 10s}
                steps:
                  - name: break things
                    action:
                      - {server: backup, mode: "503"}
                      - {fault: {name: lossy, type: blackhole, target: primary, phones: {fleet: lab}}}
                      - {fault: {type: respond, target: backup, params: {status: 500}}}
                      - {server: primary, mode: down}
                  - name: impossible
                    abortOnFail: true
                    action: {register: 1, fleet: lab}
                    expect:
                      - {fleet: lab, on: backup, within: 2T1}
                      - {phone: lab-1, event: failback, within: 30s}
                  - name: never reached
                    action: {wait: 1s}
                    expect: {fleet: lab, on: primary, within: 1s}
                rollbacks:
                  - {removeFault: lossy}
                  - {server: primary, mode: up}
                  - {wait: 100ms}
                """, "abort-on-fail.yaml");

        RunReport r = new ScenarioRunner(sim, s).run();
        validates(Reports.write(r, REPORTS).get(0));

        assertThat(r.verdict()).as(TextSummary.of(r)).isEqualTo(Verdict.FAILED);
        assertThat(result(r, "steps[1].expect[0]").outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result(r, "steps[1].expect[1]").outcome()).as("stopped at the first failure")
                .isEqualTo(Outcome.SKIPPED);
        assertThat(result(r, "steps[2].expect[0]").outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.journal()).noneMatch(e -> "never reached".equals(e.phase()));
        assertThat(r.rollbacks()).hasSize(3).allSatisfy(x -> assertThat(x).doesNotContain("failed"));
        assertThat(r.rollbacks().get(0)).contains("removed");
        assertThat(r.cleanup()).anyMatch(x -> x.matches("fault respond-\\d+ removed"))
                .contains("server backup back to up", "fleet lab deleted");
        nothingLeftBehind();
    }

    @Test
    void anAbortFromAnotherThreadStopsTheRunRunsTheRollbacksAndLeavesNothingBehind() throws Exception {
        Scenario s = parser.parse("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: aborted-from-outside}
                fleets:
                  - {name: waiter, model: V3, count: 2, firstUser: 4201, password: "pw{user}", line: {keepAliveInterval: 0}}
                steadyState:
                  - {fleet: waiter, state: registered, within: 10s}
                steps:
                  - name: silence
                    action: {server: primary, mode: silent}
                  - name: long wait
                    action: {wait: 10m}
                    expect: {noEvent: register-failed, fleet: waiter}
                rollbacks:
                  - {server: primary, mode: up}
                """, "aborted.yaml");
        List<JournalEntry> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        ScenarioRunner runner = new ScenarioRunner(sim, s, new ScenarioRunner.Listener() {
            @Override
            public void onEntry(JournalEntry entry) {
                heard.add(entry);
            }
        });
        assertThat(runner.progress().state()).isEqualTo(RunProgress.State.PENDING);

        CompletableFuture<RunReport> run = CompletableFuture.supplyAsync(runner::run);
        await("the long wait has started").atMost(Duration.ofSeconds(15))
                .until(() -> "long wait".equals(runner.progress().phase()));
        assertThat(runner.progress().state()).isEqualTo(RunProgress.State.RUNNING);
        assertThat(runner.progress().stepIndex()).isEqualTo(1);
        assertThat(runner.progress().results()).extracting(ExpectationResult::outcome).containsOnly(Outcome.PASSED);
        runner.abort("stopped by the test");
        RunReport r = run.get(10, TimeUnit.SECONDS);

        assertThat(r.verdict()).as(TextSummary.of(r)).isEqualTo(Verdict.ABORTED);
        assertThat(r.verdict().exitCode()).isEqualTo(2);
        assertThat(r.reason()).isEqualTo("stopped by the test");
        assertThat(result(r, "steps[1].expect[0]").outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(r.rollbacks()).singleElement().asString().contains("is up");
        assertThat(runner.progress().state()).isEqualTo(RunProgress.State.FINISHED);
        assertThat(runner.progress().verdict()).isEqualTo(Verdict.ABORTED);
        assertThat(heard).extracting(JournalEntry::kind).contains("rollback", "cleanup", "verdict");
        assertThatThrownBy(runner::run).isInstanceOf(IllegalStateException.class);
        nothingLeftBehind();

        Path xml = Reports.write(r, REPORTS).get(0);
        validates(xml);
        NodeList errors = parse(xml).getElementsByTagName("error");
        assertThat(errors.getLength()).isEqualTo(1);
        assertThat(((Element) errors.item(0)).getAttribute("message")).isEqualTo("aborted: stopped by the test");
    }

    @Test
    void theScenarioTimeoutAbortsTheRunWithItsRollbacks() {
        Scenario s = parser.parse("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: times-out}
                timeout: 1500ms
                fleets:
                  - {name: slow, model: V3, count: 1, firstUser: 4301, password: "pw{user}", line: {keepAliveInterval: 0}}
                steps:
                  - name: down and wait
                    action:
                      - {server: backup, mode: down}
                      - {wait: 1m}
                rollbacks:
                  - {server: backup, mode: up}
                """, "timeout.yaml");

        long t0 = System.nanoTime();
        RunReport r = new ScenarioRunner(sim, s).run();

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(r.verdict()).isEqualTo(Verdict.ABORTED);
        assertThat(r.reason()).startsWith("timeout");
        assertThat(r.rollbacks()).singleElement().asString().contains("backup", "is up");
        nothingLeftBehind();
    }

    @Test
    void theSchemaRefusesWhatJunit4DoesNotAllow() {
        // the validator is strict: junit-4.xsd gives skipped no attribute and requires a testsuite's name and tests
        String bad = "<testsuite name=\"x\" tests=\"1\"><testcase name=\"t\"><skipped message=\"m\"/></testcase></testsuite>";
        assertThatThrownBy(() -> validates(bad.getBytes(StandardCharsets.UTF_8))).isInstanceOf(SAXException.class);
        String noTests = "<testsuite name=\"x\"/>";
        assertThatThrownBy(() -> validates(noTests.getBytes(StandardCharsets.UTF_8))).isInstanceOf(SAXException.class);
    }

    // ------------------------------------------------------------------------------------------------

    private static ExpectationResult result(RunReport r, String id) {
        List<String> ids = new ArrayList<>();
        for (ExpectationResult x : r.results()) {
            if (x.id().equals(id)) {
                return x;
            }
            ids.add(x.id());
        }
        throw new AssertionError("no result " + id + " among " + ids);
    }

    private static void nothingLeftBehind() {
        assertThat(sim.faults()).as("faults").isEmpty();
        assertThat(sim.builtin().orElseThrow().servers()).as("servers").allMatch(x -> x.mode() == Mode.UP);
        assertThat(sim.fleets().fleets()).as("fleets").isEmpty();
        assertThat(sim.relays()).as("relays").isEmpty();
    }

    private static void validates(Path xml) throws Exception {
        validates(Files.readAllBytes(xml));
    }

    private static void validates(byte[] xml) throws Exception {
        var schema = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(ScenarioRunnerTest.class.getResource("/junit/junit-4.xsd"));
        schema.newValidator().validate(new StreamSource(new ByteArrayInputStream(xml)));
    }

    private static org.w3c.dom.Document parse(Path xml) throws Exception {
        var f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(xml.toFile());
    }
}
