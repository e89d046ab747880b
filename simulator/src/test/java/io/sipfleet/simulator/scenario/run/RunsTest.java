package io.sipfleet.simulator.scenario.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.SimulatorSettings;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.scenario.Scenario;
import io.sipfleet.simulator.scenario.ScenarioParser;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service's runs ({@link Runs}, behind {@code /api/runs}): each on a thread of its own, one at a time, the last
 * {@code keep} finished kept and the older ones forgotten (listeners told), a running one neither forgotten nor
 * doubled, and {@code close} aborting the one going with its rollbacks.
 */
class RunsTest {
    private static final Duration T1 = Duration.ofMillis(50);
    private static Simulator sim;
    private final ScenarioParser parser = new ScenarioParser(FaultTypes.standard(), T1);

    @BeforeAll
    static void start() throws Exception {
        sim = Simulator.start(SimulatorSettings.defaults()
                .withSip(new SimulatorSettings.Sip(T1, "127.0.0.1", KamailioPair.freePort("127.0.0.1"), 2,
                        SimulatorSettings.Tls.off()))
                .withBuiltinServers(new SimulatorSettings.BuiltinServers(true, "127.0.0.2",
                        KamailioPair.freePort("127.0.0.2"), "127.0.0.3", KamailioPair.freePort("127.0.0.3")))
                .withDemoFleet(SimulatorSettings.DemoFleet.off())
                .withWarmUp(new SimulatorSettings.WarmUp(false))
                .withShards(2), List.of());
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private Scenario waiting(String name, String wait) {
        return parser.parse("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: %s}
                steps:
                  - name: down and wait
                    action:
                      - {server: backup, mode: down}
                      - {wait: %s}
                rollbacks:
                  - {server: backup, mode: up}
                """.formatted(name, wait), name + ".yaml");
    }

    @Test
    void oneRunAtATimeTheLastFinishedKeptAndCloseAbortsTheOneGoingWithItsRollbacks() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        Runs runs = new Runs(sim, 1, List.of(new Runs.Listener() {
            @Override
            public void onStarted(Run run) {
                heard.add("started " + run.scenario().metadata().name());
            }

            @Override
            public void onFinished(Run run, RunReport report) {
                heard.add("finished " + report.scenario() + " " + report.verdict().wireName());
            }

            @Override
            public void onForgotten(Run run) {
                heard.add("forgotten " + run.scenario().metadata().name());
            }
        }));

        Run first = runs.start(waiting("first", "300ms"));
        assertThat(first.id()).matches("[0-9a-f]{8}");
        assertThatThrownBy(() -> runs.start(waiting("second", "10ms"))).isInstanceOf(RunConflictException.class)
                .hasMessageContaining("run " + first.id() + " of 'first' is going")
                .satisfies(e -> assertThat(((RunConflictException) e).runningId()).isEqualTo(first.id()));
        assertThatThrownBy(() -> runs.forget(first.id())).isInstanceOf(IllegalStateException.class);
        RunReport r1 = first.whenFinished().get(10, TimeUnit.SECONDS);
        assertThat(r1.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(first.report()).contains(r1);
        // listeners hear the end on the run's thread, just after its report is there
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("finished first passed"));

        Run second = runs.start(waiting("second", "10ms"));
        second.whenFinished().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("finished second passed"));
        Run third = runs.start(waiting("third", "10m")); // keep = 1: the first is forgotten now
        assertThat(runs.list()).extracting(Run::id).containsExactly(second.id(), third.id());
        assertThat(runs.get(first.id())).isEmpty();
        await("the third run waits").atMost(Duration.ofSeconds(10))
                .until(() -> "down and wait".equals(third.progress().phase()));
        assertThat(sim.builtinServer("backup").orElseThrow().mode().name()).isEqualTo("DOWN");

        assertThat(runs.close(30_000)).isTrue();

        assertThat(third.report()).hasValueSatisfying(r -> {
            assertThat(r.verdict()).isEqualTo(Verdict.ABORTED);
            assertThat(r.reason()).isEqualTo("the service is stopping");
            assertThat(r.rollbacks()).singleElement().asString().contains("backup", "is up");
        });
        assertThat(sim.builtinServer("backup").orElseThrow().mode().name()).isEqualTo("UP");
        assertThatThrownBy(() -> runs.start(waiting("fourth", "10ms"))).isInstanceOf(IllegalStateException.class);
        assertThat(runs.forget(second.id())).isTrue();
        assertThat(runs.forget(second.id())).isFalse();
        assertThat(heard).containsExactly("started first", "finished first passed", "started second",
                "finished second passed", "forgotten first", "started third", "finished third aborted",
                "forgotten second");
    }
}
