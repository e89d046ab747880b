package io.sipfleet.simulator.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.Outputs;
import io.sipfleet.device.config.Transport;
import io.sipfleet.simulator.scenario.Action.FaultDef;
import io.sipfleet.simulator.scenario.Expectation.EventSeen;
import io.sipfleet.simulator.scenario.Expectation.MetricCheck;
import io.sipfleet.simulator.scenario.Expectation.NoEvent;
import io.sipfleet.simulator.scenario.Expectation.PhoneCount;
import io.sipfleet.simulator.scenario.Expectation.PhonesState;
import io.sipfleet.simulator.scenario.Expectation.Subject;
import io.sipfleet.simulator.scenario.Expectation.Timing;
import io.sipfleet.simulator.scenario.ScenarioException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioParserTest {

    private final ScenarioParser parser = new ScenarioParser();

    static String resource(String name) {
        try (InputStream in = ScenarioParserTest.class.getResourceAsStream("/scenarios/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A minimal valid scenario with {@code steps} (YAML, indented two spaces under steps:) appended. */
    static String minimal(String rest) {
        return """
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata:
                  name: t
                fleets:
                  - {name: v3, model: V3, count: 10}
                """ + rest;
    }

    private List<Problem> problems(String yaml) {
        ScenarioException e = catchThrowableOfType(ScenarioException.class, () -> parser.parse(yaml, "t.yaml"));
        assertThat(e).as("refused").isNotNull();
        return e.problems();
    }

    private Problem onlyProblem(String yaml) {
        List<Problem> ps = problems(yaml);
        assertThat(ps).as(ps.toString()).hasSize(1);
        return ps.get(0);
    }

    @Test
    void every_field_is_parsed() {
        Scenario s = parser.parse(resource("every-field.yaml"), "every-field.yaml");
        assertThat(s.apiVersion()).isEqualTo("sipfleet/v1");
        assertThat(s.kind()).isEqualTo("Scenario");
        assertThat(s.metadata()).isEqualTo(new Scenario.Metadata("every-field", "every field once", List.of("test", "§13")));
        assertThat(s.clock()).isEqualTo(Scenario.ClockMode.REAL);
        assertThat(s.seed()).isEqualTo(42);
        assertThat(s.timeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.abortOnFail()).isTrue();
        assertThat(s.servers().primary()).isEqualTo(Scenario.ServerDef.builtin("primary"));
        assertThat(s.servers().backup()).isEqualTo(new Scenario.ServerDef("backup", "192.0.2.10", 5070));
        assertThat(s.servers().backup().address()).isEqualTo("192.0.2.10:5070");
        assertThat(s.relays()).containsExactly(new Scenario.Relay("lab", "127.0.0.1:15060", "primary"));

        FleetDef a = s.fleet("a").orElseThrow();
        assertThat(a).isEqualTo(new FleetDef("a", FirmwareProfile.V3, 20, 5001, "pw{user}", "auth{user}", 12.5, true, 1.5,
                List.of("primary", "backup"), new LineSpec(600, Transport.TCP, 300, Transport.UDP, true, 60, 2, 10, 5, 20,
                "Desk A", "example.com")));
        FleetDef b = s.fleet("b").orElseThrow();
        assertThat(b).isEqualTo(new FleetDef("b", FirmwareProfile.V2, 3, 1001, "", null, 0, false, 0, List.of("backup"),
                LineSpec.DEFAULTS));

        assertThat(s.steadyState()).containsExactly(
                new PhonesState(new Subject(null, "a"), PhoneCount.atLeast(18), 1, "primary", Outputs.LineState.REGISTERED,
                        null, Timing.within(Duration.ofSeconds(30)), null),
                new MetricCheck(MetricExpression.parse("overloaded == false"), null, Timing.forWindow(Duration.ofSeconds(5)),
                        null),
                new NoEvent(new Subject(null, "b"), "failover", Timing.forWindow(Duration.ofSeconds(2)), null));

        assertThat(s.steps()).hasSize(2);
        Scenario.Step loss = s.steps().get(0);
        assertThat(loss.name()).isEqualTo("loss");
        assertThat(loss.description()).isEqualTo("30% loss towards the primary for fleet a");
        assertThat(loss.abortOnFail()).isFalse();
        assertThat(s.abortsOnFail(loss)).isFalse();
        assertThat(s.abortsOnFail(s.steps().get(1))).isTrue();
        assertThat(loss.actions()).containsExactly(
                new Action.AddFault(new FaultDef("lossy", "loss", "primary", Map.of("fleet", "a"),
                        List.of("REGISTER", "INVITE"), "to-server", 0.3, Map.of("model", "bursty", "meanBurst", 4), 0.5,
                        60.0)),
                new Action.AddFault(new FaultDef(null, "respond", "192.0.2.10:5070", Map.of("ids", List.of("a-1", "a-20")),
                        null, null, null, Map.of("status", 503), null, null)),
                new Action.AddFault(new FaultDef(null, "blackhole", null, Map.of("sample", 10.0, "seed", 7L), null, null,
                        null, null, null, null)),
                new Action.AddFault(new FaultDef(null, "delay", null, Map.of("model", "V2"), null, null, null,
                        Map.of("ms", 200), null, null)),
                new Action.AddFault(new FaultDef(null, "duplicate", null, "all", null, null, null, null, null, null)),
                new Action.SetAvailability("primary", "503"),
                new Action.SetAvailability("backup", "silent"),
                new Action.Hook(Action.Target.phone("a-1"), "off"),
                new Action.Keys(Action.Target.phone("a-1"), List.of("5", "0", "0", "2", "#")),
                new Action.Keys(Action.Target.fleet("b"), List.of("1", "SEND")),
                new Action.Keys(Action.Target.phone("a-2"), List.of("5", "0", "0", "3")),
                new Action.Register(Action.Target.fleet("b"), 2),
                new Action.Wait(Duration.ofMillis(1500)));
        assertThat(loss.expectations()).containsExactly(
                new PhonesState(new Subject(null, "a"), PhoneCount.ALL, 1, "backup", null, null,
                        Timing.within(Duration.ofMillis(7500)), null),
                new PhonesState(new Subject(null, "b"), PhoneCount.NONE, 1, null, Outputs.LineState.FAILED, null,
                        Timing.forWindow(Duration.ofMinutes(2)), null),
                new PhonesState(new Subject("a-1", null), PhoneCount.ALL, 1, null, null, Outputs.CallState.CONNECTED,
                        Timing.at(Duration.ofMillis(500)), null),
                new PhonesState(new Subject("a-1", null), PhoneCount.ALL, 1, "none", null, null, null, null),
                new EventSeen(new Subject("a-2", null), PhoneCount.ALL, "failover", null, Timing.at(Duration.ofMillis(7500)),
                        Duration.ofMillis(50), null),
                new EventSeen(new Subject(null, "a"), PhoneCount.atLeast(5), "registered", "backup",
                        Timing.within(Duration.ofHours(1)), EventSeen.DEFAULT_TOLERANCE, null),
                new NoEvent(Subject.EVERY_PHONE, "register-failed", null, null),
                new NoEvent(new Subject("a-1", null), "call-ended", Timing.forWindow(Duration.ofSeconds(10)), null),
                new MetricCheck(MetricExpression.parse("failoverLatency.p95 < 8s"), "a", Timing.at(Duration.ZERO), null),
                new PhonesState(new Subject(null, "relay:lab"), PhoneCount.ALL, 1, null, Outputs.LineState.REGISTERED,
                        null, Timing.within(Duration.ofSeconds(1)), null),
                new EventSeen(new Subject("10.0.0.7:5060", null), PhoneCount.ALL, "registered", null,
                        Timing.within(Duration.ofSeconds(1)), EventSeen.DEFAULT_TOLERANCE, null));
        Scenario.Step second = s.steps().get(1);
        assertThat(second.actions()).containsExactly(new Action.RemoveFault("lossy"));
        assertThat(second.expectations()).containsExactly(new EventSeen(new Subject("a-3", null), PhoneCount.ALL,
                "failback", null, Timing.within(Duration.ofMinutes(2)), EventSeen.DEFAULT_TOLERANCE, "loss"));
        assertThat(s.rollbacks()).containsExactly(new Action.RemoveFault("lossy"),
                new Action.SetAvailability("primary", "up"), new Action.Hook(Action.Target.phone("a-1"), "on"));
        assertThat(s.thresholds()).containsExactly(
                new Scenario.Threshold(MetricExpression.parse("registrationsFailed == 0"), null),
                new Scenario.Threshold(MetricExpression.parse("failovers >= 20"), "a"));
    }

    @Test
    void defaults_fill_what_a_small_file_leaves_out() {
        Scenario s = parser.parse(minimal("""
                steps:
                  - name: wait
                    action: {wait: 2m}
                """), null);
        assertThat(s.clock()).isEqualTo(Scenario.ClockMode.REAL);
        assertThat(s.seed()).isEqualTo(Scenario.DEFAULT_SEED);
        assertThat(s.timeout()).isEqualTo(Scenario.DEFAULT_TIMEOUT);
        assertThat(s.abortOnFail()).isFalse();
        assertThat(s.servers().all()).allMatch(Scenario.ServerDef::builtin);
        assertThat(s.fleets().get(0)).isEqualTo(new FleetDef("v3", FirmwareProfile.V3, 10, 1001, "", null, 0, false, 0,
                List.of("primary", "backup"), LineSpec.DEFAULTS));
        assertThat(s.relays()).isEmpty();
        assertThat(s.steadyState()).isEmpty();
        assertThat(s.rollbacks()).isEmpty();
        assertThat(s.thresholds()).isEmpty();
        assertThat(s.steps().get(0).actions()).containsExactly(new Action.Wait(Duration.ofMinutes(2)));
        assertThat(s.steps().get(0).abortOnFail()).isNull();
    }

    @Test
    void the_invalid_example_names_each_field_with_line_and_column() {
        ScenarioException e = catchThrowableOfType(ScenarioException.class, () -> parser.parse(
                resource("invalid/bad-duration-and-fleet.yaml"), "bad-duration-and-fleet.yaml"));
        assertThat(e.problems()).extracting(Problem::path, Problem::line, Problem::column).containsExactly(
                org.assertj.core.groups.Tuple.tuple("steps[2].expect.fleet", 16, 14),
                org.assertj.core.groups.Tuple.tuple("steps[2].expect.within", 18, 15));
        assertThat(e.getMessage()).contains(
                "steps[2].expect.within: \"7,5s\" is not a duration (a number and a unit: 500ms, 7.5s, 2m, 1h, 15T1) "
                        + "(line 18, column 15)",
                "steps[2].expect.fleet: no fleet named 'v4'; did you mean 'v3'?",
                "bad-duration-and-fleet.yaml is not a valid scenario (2 problems)");
    }

    @Test
    void a_bad_duration_is_refused_with_its_line_field_and_a_hint() {
        Problem p = onlyProblem(minimal("""
                steps:
                  - name: a
                    action: {wait: 1s}
                  - name: b
                    action: {wait: 1s}
                  - name: c
                    expect:
                      fleet: v3
                      on: backup
                      within: "7,5s"
                """));
        assertThat(p.path()).isEqualTo("steps[2].expect.within");
        assertThat(p.line()).isEqualTo(16);
        assertThat(p.column()).isEqualTo(15);
        assertThat(p.toString()).isEqualTo("steps[2].expect.within: \"7,5s\" is not a duration (a number and a unit: "
                + "500ms, 7.5s, 2m, 1h, 15T1) (line 16, column 15)");
    }

    @Test
    void a_duration_without_a_unit_or_finer_than_a_millisecond_is_refused() {
        assertThat(onlyProblem(minimal("steps:\n  - {name: a, action: {wait: 8}}\n")).message())
                .isEqualTo("8 is not a duration: give a unit, e.g. 8s or 8ms");
        assertThat(onlyProblem(minimal("steps:\n  - {name: a, action: {wait: 0.5ms}}\n")).message())
                .contains("finer than a millisecond");
        assertThat(onlyProblem(minimal("steps:\n  - {name: a, action: {wait: 8d}}\n")).message())
                .contains("is not a duration");
    }

    @Test
    void unknown_fields_are_refused_with_a_did_you_mean() {
        List<Problem> ps = problems(minimal("""
                seeed: 3
                steps:
                  - name: a
                    expect: {fleet: v3, on: backup, withn: 8s}
                    abortOnFial: true
                """));
        assertThat(ps).extracting(Problem::path).containsExactly("seeed", "steps[0].expect.withn", "steps[0].abortOnFial");
        assertThat(ps.get(0).message()).isEqualTo("unknown field 'seeed'; did you mean 'seed'?");
        assertThat(ps.get(0).line()).isEqualTo(7);
        assertThat(ps.get(0).column()).isEqualTo(1);
        assertThat(ps.get(1).message()).isEqualTo("unknown field 'withn'; did you mean 'within'?");
        assertThat(ps.get(2).message()).isEqualTo("unknown field 'abortOnFial'; did you mean 'abortOnFail'?");
        assertThat(onlyProblem(minimal("steps:\n  - {name: a, action: {wait: 1s}, zebra: 1}\n")).message())
                .startsWith("unknown field 'zebra'; known here: name, description, action, expect, abortOnFail");
    }

    @Test
    void every_problem_of_a_file_is_reported_in_file_order() {
        List<Problem> ps = problems("""
                apiVersion: sipfleet/v2
                kind: Scenarios
                metadata: {name: "bad name"}
                clock: sometimes
                fleets:
                  - {name: v3, model: V4, count: 0}
                steps: []
                """);
        assertThat(ps).extracting(Problem::path).containsExactly("apiVersion", "kind", "metadata.name", "clock",
                "fleets[0].model", "fleets[0].count", "steps");
        assertThat(ps).extracting(Problem::line).containsExactly(1, 2, 3, 4, 6, 6, 7);
        assertThat(ps.get(0).message()).isEqualTo("unsupported apiVersion 'sipfleet/v2': this sipfleet reads sipfleet/v1");
        assertThat(ps.get(3).message()).isEqualTo("'sometimes' is not one of real, virtual");
        assertThat(ps.get(4).message()).isEqualTo("unknown model 'V4'; known: V2, V3");
        assertThat(ps.get(5).message()).isEqualTo("count must be 1..1000000, got 0");
    }

    @Test
    void wrong_types_name_what_was_found() {
        assertThat(onlyProblem(minimal("seed: \"1\"\nsteps:\n  - {name: a, action: {wait: 1s}}\n")).message())
                .isEqualTo("expected a whole number; found the string \"1\"");
        assertThat(onlyProblem(minimal("abortOnFail: 1\nsteps:\n  - {name: a, action: {wait: 1s}}\n")).message())
                .isEqualTo("expected true or false; found the number 1");
        assertThat(onlyProblem(minimal("steps: {name: a}\n")).message()).isEqualTo("steps is a list; found a mapping");
        assertThat(onlyProblem(minimal("steps:\n  - {name: a, action: {wait: 1s}}\nfleets2: x\n")).path())
                .isEqualTo("fleets2");
    }

    @Test
    void required_fields_are_named() {
        List<Problem> ps = problems("""
                apiVersion: sipfleet/v1
                fleets:
                  - {name: v3, count: 3}
                steps:
                  - action: {wait: 1s}
                """);
        assertThat(ps).extracting(Problem::path, Problem::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple("kind", "kind is required"),
                org.assertj.core.groups.Tuple.tuple("metadata", "metadata is required, with at least a name"),
                org.assertj.core.groups.Tuple.tuple("fleets[0].model", "model is required"),
                org.assertj.core.groups.Tuple.tuple("steps[0].name", "name is required"));
        assertThat(onlyProblem(minimal("steps:\n  - {name: a}\n")).message())
                .isEqualTo("a step needs an action, an expectation (expect) or both");
    }

    @Test
    void references_to_unknown_fleets_phones_steps_and_faults_are_refused() {
        List<Problem> ps = problems(minimal("""
                steps:
                  - name: first
                    action: {removeFault: nothing}
                    expect: {phone: v3-1, event: failover, within: 9s, of: later}
                  - name: later
                    action:
                      - {hook: "off", phone: v3-11}
                      - {keys: "1#", fleet: v2}
                      - {register: 1, phone: x-1}
                    expect: {phone: v3-2, event: failover, within: 9s, of: frist}
                rollbacks:
                  - {removeFault: nothing}
                """));
        assertThat(ps).extracting(Problem::path, Problem::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple("steps[0].action.removeFault",
                        "no fault named 'nothing' is added by an earlier step"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect.of",
                        "step 'later' comes later: times count from this step or an earlier one"),
                org.assertj.core.groups.Tuple.tuple("steps[1].action[0].phone",
                        "fleet v3 has phones v3-1..v3-10; there is no v3-11"),
                org.assertj.core.groups.Tuple.tuple("steps[1].action[1].fleet",
                        "no fleet named 'v2'; did you mean 'v3'?; fleets: v3"),
                org.assertj.core.groups.Tuple.tuple("steps[1].action[2].phone",
                        "no phone 'x-1': phone ids are {fleet}-{i} of a fleet of the scenario"),
                org.assertj.core.groups.Tuple.tuple("steps[1].expect.of", "no step named 'frist'; did you mean 'first'?"),
                org.assertj.core.groups.Tuple.tuple("rollbacks[0].removeFault",
                        "no fault named 'nothing' is added by any step"));
    }

    @Test
    void duplicate_names_and_keys_are_refused() {
        List<Problem> ps = problems("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: t}
                fleets:
                  - {name: v3, model: V3, count: 1}
                  - {name: v3, model: V2, count: 1}
                steps:
                  - name: a
                    action: {fault: {name: f, type: blackhole}}
                  - name: a
                    action: {fault: {name: f, type: blackhole}}
                """);
        assertThat(ps).extracting(Problem::path, Problem::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple("fleets[1].name", "a fleet named 'v3' is already defined"),
                org.assertj.core.groups.Tuple.tuple("steps[1].name", "a step named 'a' is already defined"),
                org.assertj.core.groups.Tuple.tuple("steps[1].action.fault.name",
                        "a fault named 'f' is already added by another step"));
        // a key given twice is a reading error: reported alone, before any meaning is checked
        Problem dup = onlyProblem(minimal("steps:\n  - name: a\n    expect: {fleet: v3, on: backup, on: primary}\n"));
        assertThat(dup.path()).isEqualTo("steps[0].expect.on");
        assertThat(dup.message()).isEqualTo("'on' is given twice");
        assertThat(dup.line()).isEqualTo(9);
    }

    @Test
    void counts_and_durations_out_of_range_are_refused() {
        List<Problem> ps = problems(minimal("""
                timeout: 200h
                steps:
                  - name: a
                    action: {fault: {type: loss, probability: 1.5, durationSeconds: 0}}
                    expect:
                      - {fleet: v3, phones: 11, on: backup, within: 0s}
                      - {fleet: v3, phones: 0, on: backup}
                      - {phone: v3-1, event: failover, within: 1s, line: 2}
                """));
        assertThat(ps).extracting(Problem::path, Problem::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple("timeout", "timeout must be 1s..168h, got 200h"),
                org.assertj.core.groups.Tuple.tuple("steps[0].action.fault.probability", "probability must be 0..1, got 1.5"),
                org.assertj.core.groups.Tuple.tuple("steps[0].action.fault.durationSeconds",
                        "durationSeconds must be 0.001..604800, got 0"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[0].phones",
                        "phones is all, none, or a number 1..10 (fleet v3 has 10); not 11"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[0].within", "within must be 1ms..168h, got 0s"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[1].phones",
                        "phones is all, none, or a number 1..10 (fleet v3 has 10); not 0"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[2].line",
                        "'line' does not go with event (a state is another expectation)"));
    }

    @Test
    void real_time_only_parts_are_refused_in_virtual_time() {
        List<Problem> ps = problems("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: t}
                clock: virtual
                servers:
                  primary: {external: "10.0.0.1:5060"}
                relays:
                  - {name: lab}
                fleets:
                  - {name: v3, model: V3, count: 100000, line: {transport: TLS}}
                steps:
                  - name: a
                    action: {fault: {type: tcp-reset, target: primary}}
                """);
        assertThat(ps).extracting(Problem::path).containsExactly("servers.primary.external", "relays[0]",
                "fleets[0].line.transport", "steps[0].action.fault.type");
        assertThat(ps).allSatisfy(p -> assertThat(p.message()).contains("is real-time only: clock: virtual runs the "
                + "device model against the in-memory server pair (use clock: real)"));
        assertThat(ps.get(0).message()).startsWith("an external server is real-time only");
        // the same file in real time is fine
        Scenario s = parser.parse("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: t}
                servers:
                  primary: {external: "10.0.0.1:5060"}
                relays:
                  - {name: lab}
                fleets:
                  - {name: v3, model: V3, count: 100000, line: {transport: TLS}}
                steps:
                  - name: a
                    action: {fault: {type: tcp-reset, target: primary}}
                """, null);
        assertThat(s.clock()).isEqualTo(Scenario.ClockMode.REAL);
    }

    @Test
    void a_relays_phones_are_judged_by_their_aor_and_never_driven() {
        Scenario s = parser.parse("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: t}
                relays:
                  - {name: p, upstream: primary}
                steps:
                  - name: a
                    action: {server: primary, mode: silent}
                    expect:
                      - {phone: 2001@127.0.0.1, event: failover, within: 8s}
                      - {fleet: "relay:p", on: backup, within: 8s}
                      - {noEvent: failback, phone: "127.0.0.1:5099"}
                """, null);
        assertThat(s.steps().get(0).expectations()).hasSize(3);
        List<Problem> ps = problems("""
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: t}
                relays:
                  - {name: p, upstream: primary}
                steps:
                  - name: a
                    action:
                      - {hook: off, fleet: "relay:p"}
                      - {keys: "1#", phone: 2001@127.0.0.1}
                      - {register: 1, phone: "127.0.0.1:5099"}
                """);
        assertThat(ps).extracting(Problem::path).containsExactly("steps[0].action[0].fleet",
                "steps[0].action[1].phone", "steps[0].action[2].phone");
        assertThat(ps.get(0).message()).contains("fleet relay:p is the real phones behind a relay")
                .contains("cannot press their keys, hook or register");
        assertThat(ps.get(1).message()).contains("phone 2001@127.0.0.1 is a real phone behind a relay");
    }

    @Test
    void the_line_configuration_is_checked_by_the_device_model_and_addresses_come_from_servers() {
        List<Problem> ps = problems(minimal("""
                  - name: w
                    model: V2
                    count: 2
                    line: {failbackInterval: 0, transport: SCTP, registerAddr: 10.0.0.1, signalRetryCounts: 11}
                steps:
                  - {name: a, action: {wait: 1s}}
                """).replace("  - {name: v3, model: V3, count: 10}\n", ""));
        assertThat(ps).extracting(Problem::path).containsExactly("fleets[0].line.transport", "fleets[0].line.registerAddr");
        assertThat(ps.get(0).message()).contains("unknown transport 'SCTP'");
        assertThat(ps.get(1).message()).isEqualTo("not set here: registerAddr comes from the scenario's servers (and the "
                + "fleet's servers list)");
        List<Problem> ranges = problems(minimal("""
                  - {name: w, model: V2, count: 2, line: {failbackInterval: 0, signalRetryCounts: 11}}
                steps:
                  - {name: a, action: {wait: 1s}}
                """));
        assertThat(ranges).extracting(Problem::path).containsExactly("fleets[1].line.failbackInterval",
                "fleets[1].line.signalRetryCounts");
        assertThat(ranges.get(0).line()).isEqualTo(7);
    }

    @Test
    void actions_take_one_verb_and_a_target() {
        List<Problem> ps = problems(minimal("""
                steps:
                  - name: a
                    action:
                      - {server: primary, mode: sleepy}
                      - {server: primary, mode: up, wait: 1s}
                      - {hook: "off"}
                      - {hook: "off", phone: v3-1, fleet: v3}
                      - {keys: "12X", phone: v3-1}
                      - {register: 3, fleet: v3}
                      - {fault: {type: dealy, params: {ms: 1}}}
                      - {fault: {type: delay}}
                      - {fault: {type: respond, params: {status: 200}}}
                      - {jump: 1}
                """).replace("count: 10}", "count: 10}\n  - {name: two, model: V2, count: 1}")
                .replace("{register: 3, fleet: v3}", "{register: 3, fleet: two}"));
        assertThat(ps).extracting(Problem::path).containsExactly(
                "steps[0].action[0].mode", "steps[0].action[1]", "steps[0].action[2]", "steps[0].action[3]",
                "steps[0].action[4].keys", "steps[0].action[5].register", "steps[0].action[6].fault.type",
                "steps[0].action[7].fault.params.ms", "steps[0].action[8].fault.params.status",
                "steps[0].action[9]", "steps[0].action[9].jump");
        assertThat(ps.get(0).message()).isEqualTo("mode is one of up, 503, 500, silent, down; not the string \"sleepy\"");
        assertThat(ps.get(1).message()).startsWith("one action per item, found server and wait");
        assertThat(ps.get(2).message()).isEqualTo("say whom: phone: {fleet}-{i} or fleet: {name}");
        assertThat(ps.get(3).message()).isEqualTo("give phone or fleet, not both");
        assertThat(ps.get(4).message()).contains("'X' at position 3 is not a dial key");
        assertThat(ps.get(5).message()).isEqualTo("a V2 phone has lines 1..2, not 3");
        assertThat(ps.get(6).message()).startsWith("unknown fault type 'dealy'; did you mean 'delay'?");
        assertThat(ps.get(7).message()).contains("ms");
        assertThat(ps.get(8).message()).contains("status");
        assertThat(ps.get(9).message()).startsWith("an action names what it does: one of server, fault, removeFault");
    }

    @Test
    void expectations_take_one_kind_and_one_mode() {
        List<Problem> ps = problems(minimal("""
                steps:
                  - name: a
                    expect:
                      - {fleet: v3, on: backup, within: 1s, for: 2s}
                      - {fleet: v3, event: failover}
                      - {fleet: v3, event: failover, for: 2s}
                      - {fleet: v3, event: falover, within: 1s}
                      - {noEvent: failover, within: 2s}
                      - {phone: v3-1, phones: 3, on: backup}
                      - {fleet: v3, on: sideways}
                      - {fleet: v3}
                      - {fleet: v3, event: failback, within: 1s, tolerance: 5ms}
                """));
        assertThat(ps).extracting(Problem::path, Problem::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[0]",
                        "one mode per expectation: at, within or for; found within and for"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[1]",
                        "say when: within: D (a deadline) or at: D (an instant, with tolerance)"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[2].for", "an event is seen at an instant or within a "
                        + "deadline; for a window with no such event use noEvent"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[3].event",
                        "unknown event 'falover'; did you mean 'failover'?; events (behaviour.md §12): "
                                + String.join(", ", Expectation.EVENT_TYPES)),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[4].within",
                        "noEvent is judged over a window: for: D, or leave it out for the whole step"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[5].phones",
                        "phones counts a fleet's phones: leave it out for one phone"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[6].on", "'sideways' is not one of primary, backup, none"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[7]", "an expectation checks one of: on, state, "
                        + "callState (phones' state), event, noEvent, metric"),
                org.assertj.core.groups.Tuple.tuple("steps[0].expect[8].tolerance", "tolerance goes with at, not with within"));
    }

    @Test
    void no_event_needs_a_window_when_the_step_has_no_duration() {
        Problem p = onlyProblem(minimal("steps:\n  - name: a\n    expect: {noEvent: failover, fleet: v3}\n"));
        assertThat(p.path()).isEqualTo("steps[0].expect");
        assertThat(p.message()).contains("give noEvent its window with for: D");
        // a wait, or a timed expectation, gives the step its duration
        parser.parse(minimal("steps:\n  - name: a\n    action: {wait: 5s}\n    expect: {noEvent: failover}\n"), null);
    }

    @Test
    void metric_expressions_are_a_closed_vocabulary() {
        assertThat(MetricExpression.parse("failoverLatency.p95 < 8s")).satisfies(m -> {
            assertThat(m.metric()).isEqualTo(MetricExpression.Metric.FAILOVER_LATENCY);
            assertThat(m.stat()).isEqualTo("p95");
            assertThat(m.op()).isEqualTo(MetricExpression.Op.LT);
            assertThat(m.durationValue()).isEqualTo(Duration.ofSeconds(8));
            assertThat(m.test(7999)).isTrue();
            assertThat(m.test(8000)).isFalse();
        });
        assertThat(MetricExpression.parse("registrationsFailed = 0").op()).isEqualTo(MetricExpression.Op.EQ);
        assertThat(MetricExpression.parse("overloaded == false").test(0)).isTrue();
        List<Problem> ps = problems(minimal("""
                steps:
                  - name: a
                    action: {wait: 1s}
                    expect:
                      - {metric: "failoverLatency < 8s"}
                      - {metric: "failoverLatency.p42 < 8s"}
                      - {metric: "failovers.p95 < 3"}
                      - {metric: "registrationsFailed == none"}
                      - {metric: "overloaded < true"}
                      - {metric: "failoverLatncy.p95 < 8s"}
                      - {metric: "failoverLatency.p95 < 8"}
                      - {metric: "1 + 1"}
                thresholds:
                  - "overloaded == maybe"
                """));
        assertThat(ps).extracting(Problem::message).containsExactly(
                "failoverLatency is a distribution: name a statistic, e.g. failoverLatency.p95; statistics: p50, p90, p95, "
                        + "p99, max, min, mean",
                "unknown statistic 'p42' of failoverLatency; statistics: p50, p90, p95, p99, max, min, mean",
                "failovers has no statistics ('.p95'): compare it as it is, e.g. failovers == 0",
                "registrationsFailed is a count: compare it with a whole number >= 0, not 'none'",
                "overloaded is true or false: compare it with == or !=",
                "unknown metric 'failoverLatncy'; did you mean 'failoverLatency'? Metrics: " + String.join(", ",
                        MetricExpression.Metric.keys()),
                "failoverLatency is compared with a duration such as 8s or 500ms, not '8'",
                "'1 + 1' is not a metric expression: write <metric>[.<statistic>] <operator> <value>, e.g. "
                        + "failoverLatency.p95 < 8s or registrationsFailed == 0",
                "overloaded is compared with true or false, not 'maybe'");
        assertThat(ps.get(8).path()).isEqualTo("thresholds[0]");
    }

    @Test
    void steady_state_probes_are_states_metrics_or_a_quiet_window() {
        List<Problem> ps = problems(minimal("""
                steadyState:
                  - {phone: v3-1, event: registered, within: 5s}
                  - {noEvent: failover}
                  - {fleet: v3, on: primary, within: 5s, of: a}
                steps:
                  - {name: a, action: {wait: 1s}}
                """));
        assertThat(ps).extracting(Problem::path).containsExactly("steadyState[0]", "steadyState[1]", "steadyState[2]");
        assertThat(ps.get(1).message()).isEqualTo("a steady-state noEvent needs its window: for: D");
    }

    @Test
    void syntax_errors_come_from_the_yaml_and_json_readers_with_their_place() {
        Problem yaml = onlyProblem("apiVersion: sipfleet/v1\nkind: Scenario\nmetadata: {name: t\nsteps: []\n");
        assertThat(yaml.message()).startsWith("not valid YAML: ");
        assertThat(yaml.line()).isGreaterThanOrEqualTo(3);
        Problem json = onlyProblem("{\"apiVersion\": \"sipfleet/v1\",\n \"kind\": \"Scenario\" \"metadata\": {}}");
        assertThat(json.message()).startsWith("not valid JSON: ");
        assertThat(json.line()).isEqualTo(2);
        assertThat(onlyProblem("").message()).startsWith("the file is empty");
        assertThat(onlyProblem("- a\n- b\n").message()).startsWith("expected a scenario");
        assertThat(onlyProblem(minimal("steps:\n  - {name: a, action: {wait: 1s}}\n---\nkind: Scenario\n")).message())
                .isEqualTo("more than one document: a file holds one scenario");
    }

    @Test
    void json_reads_the_same_with_lines_and_columns() {
        String json = """
                {
                  "apiVersion": "sipfleet/v1",
                  "kind": "Scenario",
                  "metadata": {"name": "j"},
                  "fleets": [{"name": "v3", "model": "V3", "count": 2}],
                  "steps": [
                    {"name": "a", "action": {"server": "primary", "mode": "silent"},
                     "expect": {"fleet": "v3", "on": "backup", "within": "7,5s"}}
                  ]
                }
                """;
        Problem p = onlyProblem(json);
        assertThat(p.path()).isEqualTo("steps[0].expect.within");
        assertThat(p.line()).isEqualTo(8);
        assertThat(p.column()).isEqualTo(58);
        Scenario s = parser.parse(json.replace("7,5s", "7.5s"), "j.json");
        assertThat(s.steps().get(0).expectations()).containsExactly(new PhonesState(new Subject(null, "v3"),
                PhoneCount.ALL, 1, "backup", null, null, Timing.within(Duration.ofMillis(7500)), null));
    }

    @Test
    void durations_read_and_write_in_the_units_of_the_file() {
        assertThat(Durations.parse("7.5s")).isEqualTo(Duration.ofMillis(7500));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.format(Duration.ofMillis(7500))).isEqualTo("7.5s");
        assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        for (String bad : List.of("7,5s", "s", "7", "-1s", "1.s", "1 s", "1S", "1d", "")) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void yaml_words_and_numbers_read_as_the_file_means_them() {
        Scenario s = parser.parse(minimal("""
                steps:
                  - name: a
                    action:
                      - {hook: off, phone: v3-1}
                      - {hook: on, fleet: v3}
                      - {server: backup, mode: 500}
                      - {keys: 1001, phone: v3-2}
                """), null);
        assertThat(s.steps().get(0).actions()).containsExactly(new Action.Hook(Action.Target.phone("v3-1"), "off"),
                new Action.Hook(Action.Target.fleet("v3"), "on"), new Action.SetAvailability("backup", "500"),
                new Action.Keys(Action.Target.phone("v3-2"), List.of("1", "0", "0", "1")));
    }

    @Test
    void any_mangled_file_is_refused_with_problems_never_an_unexpected_exception() {
        String[] lines = resource("every-field.yaml").split("\n", -1);
        String[] junk = {"", "x", "7,5s", "-1", "[]", "{}", "null", "~", "\"", "true", "99999999999999999999", "a: b: c"};
        java.util.Random random = new java.util.Random(11);
        int refused = 0;
        for (int round = 0; round < 1500; round++) {
            String[] copy = lines.clone();
            for (int k = 0; k < 1 + random.nextInt(3); k++) {
                int i = random.nextInt(copy.length);
                String line = copy[i];
                int colon = line.indexOf(": ");
                switch (random.nextInt(3)) {
                    case 0 -> copy[i] = "";
                    case 1 -> copy[i] = colon > 0 ? line.substring(0, colon + 2) + junk[random.nextInt(junk.length)] : line;
                    default -> copy[i] = line.replaceFirst("[a-z]", junk[random.nextInt(junk.length)]);
                }
            }
            String text = String.join("\n", copy);
            try {
                parser.parse(text, "mangled");
            } catch (ScenarioException e) {
                refused++;
                assertThat(e.problems()).as(text).isNotEmpty().allSatisfy(p -> assertThat(p.message()).isNotBlank());
            }
        }
        assertThat(refused).isGreaterThan(1000);
    }

    @Test
    void t1_durations_are_read_with_the_runs_t1() {
        String yaml = minimal("""
                steps:
                  - name: a
                    action: {server: primary, mode: silent}
                    expect:
                      - {phone: v3-1, event: failover, at: 15T1, tolerance: 0.2T1}
                      - {metric: "failoverLatency.max <= 15T1"}
                """);
        Scenario atDefault = parser.parse(yaml, null);
        assertThat(atDefault.t1()).isEqualTo(Duration.ofMillis(500));
        assertThat(atDefault.steps().get(0).expectations().get(0)).isEqualTo(new EventSeen(new Subject("v3-1", null),
                PhoneCount.ALL, "failover", null, Timing.at(Duration.ofMillis(7500)), Duration.ofMillis(100), null));
        Scenario fast = parser.withT1(Duration.ofMillis(50)).parse(yaml, null);
        assertThat(fast.t1()).isEqualTo(Duration.ofMillis(50));
        assertThat(fast.steps().get(0).expectations()).containsExactly(
                new EventSeen(new Subject("v3-1", null), PhoneCount.ALL, "failover", null, Timing.at(Duration.ofMillis(750)),
                        Duration.ofMillis(10), null),
                new MetricCheck(MetricExpression.parse("failoverLatency.max <= 750ms").withText("failoverLatency.max <= 15T1"),
                        null, null, null));
        assertThat(Durations.parse("1.5T1", Duration.ofMillis(33))).isEqualTo(Duration.ofMillis(50));
        assertThat(Durations.parse("0T1")).isEqualTo(Duration.ZERO);
    }

    /** §13 row 7: the next failback probe at +1800 + 32 + 1800 s: configured seconds plus a T1-derived span. */
    @Test
    void aDurationMayBeASumOfTermsEachInItsOwnUnit() {
        assertThat(Durations.parse("5s + 64T1", Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(11_400));
        assertThat(Durations.parse("1800s+64T1+1800s")).isEqualTo(Duration.ofMillis(3_632_000));
        assertThat(Durations.parse("79T1 + 4s", Duration.ofMillis(50))).isEqualTo(Duration.ofMillis(7_950));
        assertThat(Durations.parse("1.5T1 + 1.5T1", Duration.ofMillis(33))).isEqualTo(Duration.ofMillis(100));
        for (String bad : List.of("5s +", "+ 5s", "5s ++ 1s", "5s  + 1s", "5s - 1s", "5s + 1", "5s,1s", "5s+1S")) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a duration");
        }
        Scenario s = parser.withT1(Duration.ofMillis(100)).parse(minimal("""
                steps:
                  - name: probe
                    action: {wait: 1s}
                    expect: {phone: v3-1, event: failback-probe, at: 5s + 64T1, tolerance: 0.5T1}
                """), null);
        assertThat(s.steps().get(0).expectations().get(0).timing()).isEqualTo(Timing.at(Duration.ofMillis(11_400)));
        // in a metric expression's value, without spaces (the value is one word)
        assertThat(MetricExpression.parse("failoverLatency.max < 3s+1T1", Duration.ofMillis(100)).test(3_099))
                .isTrue();
        assertThat(MetricExpression.parse("failoverLatency.max < 3s+1T1", Duration.ofMillis(100)).test(3_100))
                .isFalse();
        assertThatThrownBy(() -> parser.parse(minimal("""
                steps:
                  - name: probe
                    action: {wait: "1s + x"}
                """), "sum.yaml")).isInstanceOf(ScenarioException.class).hasMessageContaining("steps[0].action.wait")
                .hasMessageContaining("\"1s + x\" is not a duration");
    }

    @Test
    void serverOverridesFromTheCommandLineReplaceOneRoleAndNameWhatIsWrong() {
        String steps = "steps:\n  - {name: wait, action: {wait: 1s}}\n";
        Scenario built = parser.parse(minimal(steps), null);
        assertThat(built.servers().primary().builtin()).isTrue();

        Scenario external = built.withServer(Scenario.ServerDef.parseOverride("primary=127.0.0.2:5060"))
                .withServer(Scenario.ServerDef.parseOverride("backup=[::1]:5062"));
        assertThat(external.servers().primary()).isEqualTo(new Scenario.ServerDef("primary", "127.0.0.2", 5060));
        assertThat(external.servers().backup().address()).isEqualTo("[::1]:5062");
        assertThat(external.withServer(Scenario.ServerDef.parseOverride("primary=builtin")).servers().primary()
                .builtin()).isTrue();
        assertThat(external.fleets()).isEqualTo(built.fleets());

        assertThatThrownBy(() -> Scenario.ServerDef.parseOverride("standby=127.0.0.2:5060"))
                .hasMessageContaining("--server 'standby=127.0.0.2:5060': expected primary=HOST:PORT");
        assertThatThrownBy(() -> Scenario.ServerDef.parseOverride("primary=127.0.0.2"))
                .hasMessageContaining("expected primary=HOST:PORT");
        assertThatThrownBy(() -> Scenario.ServerDef.parseOverride("backup=127.0.0.2:70000"))
                .hasMessageContaining("port must be 1..65535, got 70000");
        Scenario virtual = parser.parse(minimal("clock: virtual\n" + steps), null);
        assertThatThrownBy(() -> virtual.withServer(Scenario.ServerDef.parseOverride("primary=127.0.0.2:5060")))
                .hasMessageContaining("real-time only");
    }
}
