package io.sipfleet.api.mqtt;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A scenario run on MQTT: a subscriber to {@code sipfleet/runs/+/progress} and {@code sipfleet/runs/+/verdict}
 * follows a run started by REST step by step and gets its verdict; a client that subscribes after the run gets the
 * verdict retained; forgetting the run clears it.
 */
@QuarkusTest
class MqttRunsTest {
    static final String SCENARIO = """
            apiVersion: sipfleet/v1
            kind: Scenario
            metadata: {name: mqtt-run}
            fleets:
              - {name: mrn, model: V3, count: 2, firstUser: 6301, password: "pw{user}", line: {keepAliveInterval: 1}}
            steadyState:
              - {fleet: mrn, state: registered, within: 10s}
            steps:
              - name: primary down
                action: {server: primary, mode: down}
                expect: {fleet: mrn, on: backup, within: 5s}
              - name: primary up
                action: {server: primary, mode: up}
            rollbacks:
              - {server: primary, mode: up}
            """;

    @AfterEach
    void clean() {
        given().post("/api/reset").then().statusCode(200);
    }

    @Test
    void aSubscriberFollowsARunStepByStepAndGetsItsVerdictRetained() throws Exception {
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.subscribe("sipfleet/runs/+/progress", "sipfleet/runs/+/verdict");
            String id = given().contentType("application/yaml; charset=UTF-8").body(bytes(SCENARIO)).post("/api/runs").then()
                    .statusCode(201).extract().path("id");
            String progress = "sipfleet/runs/" + id + "/progress";
            String verdictTopic = "sipfleet/runs/" + id + "/verdict";

            Map<String, Object> verdict = probe.await(verdictTopic, r -> r.payload().length > 0, 60_000,
                    "the verdict").json();

            assertThat(verdict).containsEntry("run", id).containsEntry("scenario", "mqtt-run")
                    .containsEntry("verdict", "passed").containsEntry("exitCode", 0)
                    .containsEntry("report", "/api/runs/" + id);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> results = (List<Map<String, Object>>) verdict.get("results");
            assertThat(results).extracting(r -> r.get("id")).containsExactly("steadyState[0]@before",
                    "steps[0].expect[0]", "steadyState[0]@after");
            assertThat(results).extracting(r -> r.get("outcome")).containsOnly("passed");
            assertThat((String) results.get(1).get("measured")).startsWith("2/2 phones on backup at +");

            List<Map<String, Object>> steps = probe.on(progress).stream().map(MqttProbe.Received::json).toList();
            assertThat(steps).allSatisfy(m -> assertThat(m).containsEntry("run", id).containsKeys("at", "t", "kind",
                    "text", "state", "stepsTotal"));
            assertThat(steps).extracting(m -> m.get("kind")).startsWith("run").contains("fleet", "step", "action",
                    "expectation", "rollback", "cleanup").endsWith("verdict");
            assertThat(steps).filteredOn(m -> "step".equals(m.get("kind")) && "starts".equals(m.get("text")))
                    .extracting(m -> m.get("phase")).containsExactly("steady state (before)", "primary down",
                            "primary up", "steady state (after)");
            assertThat(steps).filteredOn(m -> "expectation".equals(m.get("kind"))
                    && "primary down".equals(m.get("phase"))).singleElement()
                    .satisfies(m -> assertThat((String) m.get("text")).startsWith("passed {fleet: mrn, phones: all, "
                            + "on: backup, within: 5s}: 2/2 phones on backup at +"))
                    .satisfies(m -> assertThat(m).containsEntry("step", 0).containsEntry("stepsTotal", 2));
            // the verdict comes after every progress message of the run
            List<MqttProbe.Received> all = probe.received();
            int verdictAt = all.indexOf(probe.on(verdictTopic).get(0));
            assertThat(all.subList(verdictAt, all.size())).noneMatch(r -> r.topic().equals(progress));

            // a late subscriber gets the verdict retained (QoS 0: Moquette sets the flag there)
            try (MqttProbe late = MqttProbe.connect()) {
                late.subscribe(0, "sipfleet/runs/+/verdict");
                MqttProbe.Received r = late.await(verdictTopic, x -> x.payload().length > 0, 5_000, "the retained verdict");
                assertThat(r.retained()).isTrue();
                assertThat(r.json()).containsEntry("verdict", "passed");
            }

            // forgotten: the retained verdict is cleared (an empty retained message)
            given().delete("/api/runs/" + id).then().statusCode(204);
            probe.await(verdictTopic, x -> x.payload().length == 0, 5_000, "the verdict cleared");
        }
    }

    /** RestAssured encodes only the media types it knows: a YAML body goes as its UTF-8 bytes. */
    static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
