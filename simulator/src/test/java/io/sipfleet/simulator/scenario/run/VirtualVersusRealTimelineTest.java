package io.sipfleet.simulator.scenario.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.faults.FaultTypes;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.SimulatorSettings;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.scenario.Scenario;
import io.sipfleet.simulator.scenario.ScenarioParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same §13 scenario ({@code register-failover-silent-v3}: V3, primary silent) in real time against the built-in
 * servers on loopback and in virtual time against the in-memory pair, T1 = 100 ms, compared phone by phone and instant
 * by instant in the step that registers again: the REGISTER walk's start, the failover at the V3 budget (15 T1 after
 * it) and the registration on the backup. The tolerance is the wire tests' for their "≈" instants (README, Tests):
 * 2 x 20% of T1. The firmware's own instant (the failover, 15 T1 after the first REGISTER left) gets it too here,
 * not 20%: the real runner's reference is the phone's {@code registering} event, and its first REGISTER leaves the
 * busy 2-core machine a few ms later when ten phones are handed the command at once (measured: failover 2-20 ms
 * after the 15 T1; in the wire tests, which time the packets, within 20%). The registration on the backup is
 * compared with the virtual instant plus the real registration time measured in the same run (the in-memory pair
 * answers at once).
 */
class VirtualVersusRealTimelineTest {
    private static final Duration T1 = Duration.ofMillis(100);
    private static final long APPROX = 2 * T1.toMillis() / 5;
    private static final String STEP = "register again";
    private static Simulator sim;

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

    /** One phone's instants in the step, ms from the step's start. */
    record Timeline(long registering, long failover, long registeredOnBackup) {}

    private static Map<String, Timeline> timelines(RunReport r, List<FleetEvent> events) {
        long stepStart = r.phases().stream().filter(p -> p.name().equals(STEP)).findFirst().orElseThrow()
                .startedAtMs();
        Map<String, Timeline> out = new TreeMap<>();
        Map<String, long[]> acc = new TreeMap<>();
        for (FleetEvent fe : events) {
            PhoneEvent e = fe.event();
            if (e.at() < stepStart) {
                continue;
            }
            long[] t = acc.computeIfAbsent(e.phone(), k -> new long[] {-1, -1, -1});
            long rel = e.at() - stepStart;
            if (e instanceof PhoneEvent.Registering && t[0] < 0) {
                t[0] = rel;
            } else if (e instanceof PhoneEvent.Failover && t[1] < 0) {
                t[1] = rel;
            } else if (e instanceof PhoneEvent.Registered && Describe.roles(e).contains("backup") && t[2] < 0) {
                t[2] = rel;
            }
        }
        acc.forEach((p, t) -> out.put(p, new Timeline(t[0], t[1], t[2])));
        return out;
    }

    /** The median time from a phone's REGISTER walk to its registration on the primary, before any failover. */
    private static long registrationTime(List<FleetEvent> events) {
        Map<String, Long> started = new TreeMap<>();
        List<Long> times = new ArrayList<>();
        synchronized (events) {
            for (FleetEvent fe : events) {
                PhoneEvent e = fe.event();
                if (e instanceof PhoneEvent.Failover) {
                    break;
                }
                if (e instanceof PhoneEvent.Registering) {
                    started.putIfAbsent(e.phone(), e.at());
                } else if (e instanceof PhoneEvent.Registered && started.containsKey(e.phone())) {
                    times.add(e.at() - started.remove(e.phone()));
                }
            }
        }
        assertThat(times).as("registrations before the failover").isNotEmpty();
        Collections.sort(times);
        return times.get(times.size() / 2);
    }

    private static ScenarioRunner.Listener recording(List<FleetEvent> into) {
        return new ScenarioRunner.Listener() {
            @Override
            public void onEvent(FleetEvent event) {
                into.add(event);
            }
        };
    }

    @Test
    void theSilentPrimaryTimelineInVirtualTimeMatchesTheRealOneInstantByInstant() {
        Scenario real = new ScenarioParser(FaultTypes.standard(), T1).parseResource("register-failover-silent-v3");
        Scenario virtual = new Scenario(real.apiVersion(), real.kind(), real.metadata(), Scenario.ClockMode.VIRTUAL,
                real.seed(), real.t1(), real.timeout(), real.abortOnFail(), real.servers(), real.relays(),
                real.fleets(), real.steadyState(), real.steps(), real.rollbacks(), real.thresholds());

        // once to warm the JVM (its first failovers and registrations come tens of ms late), then the run compared
        new ScenarioRunner(sim, real).run();
        List<FleetEvent> realEvents = Collections.synchronizedList(new ArrayList<>());
        RunReport realRun = new ScenarioRunner(sim, real, recording(realEvents)).run();
        List<FleetEvent> virtualEvents = new ArrayList<>();
        RunReport virtualRun = ScenarioRunner.virtual(virtual, recording(virtualEvents)).run();

        assertThat(virtualRun.verdict()).as(TextSummary.of(virtualRun)).isEqualTo(Verdict.PASSED);
        // the real run may fail on its 'overloaded == false' threshold alone on a loaded machine (ScenarioRunnerTest
        // repeats it); the instants below are what this test compares
        Map<String, Timeline> r;
        synchronized (realEvents) {
            r = timelines(realRun, realEvents);
        }
        Map<String, Timeline> v = timelines(virtualRun, virtualEvents);
        // the in-memory pair answers at once; a digest registration on the real wire takes a few ms: measured in the
        // same run with nothing failing (the steady state's registrations on the primary, median), as the wire tests
        // measure their baseline
        long baseline = registrationTime(realEvents);
        assertThat(v.keySet()).as("phones with events in the step").isEqualTo(r.keySet()).hasSize(10);
        long t1 = T1.toMillis();
        System.out.println("baseline registration on the real primary: " + baseline + " ms");
        System.out.println("phone     registering (real/virtual)   failover (real/virtual)   registered on backup"
                + " (real/virtual), ms from the step's start; T1 = " + t1 + " ms");
        for (String phone : v.keySet()) {
            Timeline a = r.get(phone);
            Timeline b = v.get(phone);
            System.out.printf("%-8s  %6d / %-6d               %6d / %-6d           %6d / %-6d%n", phone,
                    a.registering(), b.registering(), a.failover(), b.failover(), a.registeredOnBackup(),
                    b.registeredOnBackup());
            // virtual time: exactly behaviour.md §13 (every phone told at the step's start, budget 15 T1, the
            // in-memory pair answers at once)
            assertThat(b).as(phone + " in virtual time").isEqualTo(new Timeline(0, 15 * t1, 15 * t1));
            // real time, against the virtual instants
            assertThat(a.registering()).as(phone + " REGISTER walk started (real, paced hand-out)")
                    .isCloseTo(b.registering(), within(APPROX));
            assertThat(a.failover() - a.registering()).as(phone + " failover after the walk's start (real)")
                    .isCloseTo(b.failover() - b.registering(), within(APPROX));
            assertThat(a.registeredOnBackup() - a.failover()).as(phone + " registered on the backup after the "
                    + "failover (real; baseline registration " + baseline + " ms)")
                    .isCloseTo(b.registeredOnBackup() - b.failover() + baseline, within(APPROX));
        }
        // and the expectations decided the same way
        List<String> realOutcomes = new ArrayList<>();
        List<String> virtualOutcomes = new ArrayList<>();
        realRun.phases().forEach(p -> p.expectations().forEach(e -> realOutcomes.add(e.id() + " " + e.outcome())));
        virtualRun.phases().forEach(p -> p.expectations().forEach(e -> virtualOutcomes.add(e.id() + " "
                + e.outcome())));
        assertThat(virtualOutcomes).isEqualTo(realOutcomes);
    }
}
