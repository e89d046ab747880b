package io.sipfleet.api.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * /api/runs: a scenario posted as YAML or JSON runs on a thread of its own while the API keeps answering; its
 * progress and result by GET, its JUnit XML and journal once finished; an invalid file is a 400 naming every
 * problem's field, line and column; a second run while one is going is a 409; DELETE aborts a run and its rollbacks
 * and clean-up leave no fault, no server down and no fleet of the run (checked through the API).
 */
@QuarkusTest
class RunsResourceTest {
    static final String YAML = "application/yaml; charset=UTF-8";

    /** Passes on the test profile (T1 = 50 ms): the keep-alive (1 s) meets the closed primary and every phone moves. */
    static final String PASSING = """
            apiVersion: sipfleet/v1
            kind: Scenario
            metadata: {name: rest-primary-down, description: the primary goes down and every phone moves}
            fleets:
              - {name: rpd, model: V3, count: 3, firstUser: 6101, password: "pw{user}", line: {keepAliveInterval: 1}}
            steadyState:
              - {fleet: rpd, state: registered, within: 10s}
            steps:
              - name: primary down
                action: {server: primary, mode: down}
                expect:
                  - {fleet: rpd, phones: all, on: backup, within: 5s}
                  - {phone: rpd-1, event: failover, within: 5s}
            rollbacks:
              - {server: primary, mode: up}
            thresholds:
              - failovers >= 3
            """;

    /** Breaks things, then waits ten minutes: aborted from outside. */
    static final String LONG = """
            apiVersion: sipfleet/v1
            kind: Scenario
            metadata: {name: rest-long-run}
            fleets:
              - {name: rlr, model: V3, count: 2, firstUser: 6201, password: "pw{user}", line: {keepAliveInterval: 0}}
            steadyState:
              - {fleet: rlr, state: registered, within: 10s}
            steps:
              - name: break things
                action:
                  - {server: backup, mode: "503"}
                  - {fault: {name: rlr-cut, type: blackhole, target: primary, phones: {fleet: rlr}}}
                  - {fault: {type: respond, target: backup, params: {status: 500}}}
                  - {server: primary, mode: silent}
              - name: long wait
                action: {wait: 10m}
                expect: {noEvent: register-failed, fleet: rlr}
            rollbacks:
              - {removeFault: rlr-cut}
              - {server: primary, mode: up}
            """;

    @AfterEach
    void clean() {
        // a run a failed assertion left going is aborted, so that the next test can start one
        for (String id : given().get("/api/runs").jsonPath().<String>getList("findAll { it.state != 'finished' }.id")) {
            given().delete("/api/runs/" + id);
            awaitFinished(id);
        }
        given().post("/api/reset").then().statusCode(200);
    }

    @Test
    void aYamlScenarioIsStartedWith201AndItsVerdictAndReportsComeOnceItHasRun() {
        Response created = given().contentType(YAML).body(bytes(PASSING)).post("/api/runs");
        created.then().statusCode(201).contentType(ContentType.JSON).body("scenario", is("rest-primary-down"))
                .body("stepsTotal", is(1));
        String id = created.jsonPath().getString("id");
        assertThat(id).matches("[0-9a-f]{8}");
        assertThat(created.getHeader("Location")).endsWith("/api/runs/" + id);
        given().get("/api/runs").then().statusCode(200).body("find { it.id == '" + id + "' }.scenario",
                is("rest-primary-down"));

        JsonPath run = awaitFinished(id);

        assertThat(run.getString("verdict")).as(run.prettify()).isEqualTo("passed");
        assertThat(run.getInt("exitCode")).isZero();
        assertThat(run.getString("state")).isEqualTo("finished");
        assertThat(run.<String>getList("results.outcome")).hasSize(2 + 2 + 1).containsOnly("passed");
        assertThat(run.<String>getList("results.id")).containsExactly("steadyState[0]@before", "steps[0].expect[0]",
                "steps[0].expect[1]", "steadyState[0]@after", "thresholds[0]");
        assertThat(run.getString("results.find { it.id == 'steps[0].expect[0]' }.measured"))
                .startsWith("3/3 phones on backup at +");
        assertThat(run.<String>getList("rollbacks")).singleElement().asString().contains("primary", "is up");
        assertThat(run.getString("reports.junit")).isEqualTo("/api/runs/" + id + "/junit");

        String xml = given().get("/api/runs/" + id + "/junit").then().statusCode(200)
                .contentType(ContentType.XML).extract().asString();
        assertThat(xml).contains("<testsuite name=\"rest-primary-down\" tests=\"5\" failures=\"0\"",
                "name=\"primary down: {fleet: rpd, phones: all, on: backup, within: 5s}\"");
        given().get("/api/runs/" + id + "/journal").then().statusCode(200).contentType(ContentType.JSON)
                .body("verdict", is("passed")).body("exitCode", is(0))
                .body("journal.kind", org.hamcrest.Matchers.hasItems("step", "action", "expectation", "verdict"));
        nothingOfTheRunLeft("rpd");
    }

    @Test
    void aJsonScenarioThatMustFailEndsFailedWithTheFigureAndThePhonesThatMissed() throws Exception {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/scenarios/failover-within-1s-must-fail.yaml")) {
            Object tree = new ObjectMapper(new YAMLFactory()).readValue(in, Object.class);
            json = new ObjectMapper().writeValueAsString(tree);
        }
        String id = given().contentType(ContentType.JSON).body(json).post("/api/runs").then().statusCode(201)
                .extract().path("id");

        JsonPath run = awaitFinished(id);

        assertThat(run.getString("verdict")).as(run.prettify()).isEqualTo("failed");
        assertThat(run.getInt("exitCode")).isEqualTo(1);
        assertThat(run.getString("reason")).contains("silence the primary and register", "abortOnFail");
        Map<String, Object> miss = run.getMap("results.find { it.id == 'steps[1].expect[0]' }");
        assertThat(miss.get("outcome")).isEqualTo("failed");
        assertThat(miss.get("expectation")).isEqualTo("{fleet: impatient, phones: all, on: backup, within: 100ms}");
        assertThat((String) miss.get("measured")).matches("0/5 phones on backup at \\+1\\d\\dms \\(wanted all 5\\)");
        assertThat(miss.get("missed")).isEqualTo(5);
        assertThat(run.<String>getList("results.find { it.id == 'steps[1].expect[0]' }.evidence.phone"))
                .containsExactly("impatient-1", "impatient-2", "impatient-3", "impatient-4", "impatient-5");
        assertThat(run.getString("results.find { it.id == 'steadyState[0]@after' }.outcome")).isEqualTo("skipped");
        assertThat(given().get("/api/runs/" + id + "/junit").asString())
                .contains("<failure message=\"{fleet: impatient, phones: all, on: backup, within: 100ms}",
                        "0/5 phones on backup", "impatient-5");
        nothingOfTheRunLeft("impatient");
    }

    @Test
    void anInvalidScenarioIsA400ListingEveryProblemWithItsFieldLineAndColumnAndNothingRuns() {
        String bad = """
                apiVersion: sipfleet/v1
                kind: Scenario
                metadata: {name: bad}
                fleets:
                  - {name: v3, model: V3, count: 2}
                steps:
                  - name: wait
                    action: {wait: "7,5s"}
                    expect: {fleet: v4, on: backup, within: 1s}
                """;
        int before = given().get("/api/runs").jsonPath().getList("$").size();

        Response r = given().contentType(YAML).body(bytes(bad)).post("/api/runs");

        r.then().statusCode(400).contentType("application/problem+json").body("status", is(400))
                .body("title", is("Bad Request")).body("field", is("steps[0].action.wait"))
                .body("detail", containsString("is not a valid scenario (2 problems)"));
        List<Map<String, Object>> problems = r.jsonPath().getList("problems");
        assertThat(problems).extracting(p -> p.get("field")).containsExactly("steps[0].action.wait",
                "steps[0].expect.fleet");
        assertThat(problems).extracting(p -> p.get("line")).containsExactly(8, 9);
        assertThat(problems).extracting(p -> p.get("column")).containsExactly(20, 21);
        assertThat((String) problems.get(1).get("message")).contains("no fleet named 'v4'", "did you mean 'v3'");
        assertThat(given().get("/api/runs").jsonPath().getList("$")).hasSize(before);
        assertThat(given().get("/api/fleets").jsonPath().getList("name")).doesNotContain("v3");

        given().contentType(ContentType.JSON).body("{\"apiVersion\": \"sipfleet/v1\",\n \"kind\": \"Scenario\"}")
                .post("/api/runs").then().statusCode(400).body("problems.field", org.hamcrest.Matchers.hasItems(
                        "metadata", "steps")).body("problems[0].line", is(1));
        given().contentType(YAML).body(bytes(PASSING)).queryParam("server", "primary=nowhere").post("/api/runs").then()
                .statusCode(400).body("field", is("server")).body("detail", containsString("primary=HOST:PORT"));
        given().contentType(ContentType.TEXT).body(bytes(PASSING)).post("/api/runs").then().statusCode(415);
    }

    @Test
    void deleteAbortsARunningRunAndItsRollbacksAndCleanUpLeaveNoFaultNoServerDownNoFleet() {
        String id = given().contentType(YAML).body(bytes(LONG)).post("/api/runs").then().statusCode(201).extract().path("id");
        await("the run's long wait").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> "long wait".equals(given().get("/api/runs/" + id).jsonPath().getString("phase")));

        // while it runs: live progress, the control plane answers, no second run, reports not yet
        JsonPath live = given().get("/api/runs/" + id).then().statusCode(200).extract().jsonPath();
        assertThat(live.getString("state")).isEqualTo("running");
        assertThat(live.getInt("step.index")).isEqualTo(1);
        assertThat(live.getString("step.name")).isEqualTo("long wait");
        assertThat(live.<String>getList("results.outcome")).containsExactly("passed"); // the steady state
        assertThat(given().get("/api/faults").jsonPath().<String>getList("id")).contains("rlr-cut");
        assertThat(given().get("/api/servers/primary").jsonPath().getString("mode")).isEqualTo("silent");
        long t0 = System.nanoTime();
        given().get("/api/status").then().statusCode(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        given().contentType(YAML).body(bytes(PASSING)).post("/api/runs").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("run " + id))
                .body("detail", containsString("DELETE /api/runs/" + id));
        given().get("/api/runs/" + id + "/junit").then().statusCode(409);

        given().delete("/api/runs/" + id).then().statusCode(202).body("id", is(id)).body("abortRequested", is(true));
        JsonPath run = awaitFinished(id);

        assertThat(run.getString("verdict")).as(run.prettify()).isEqualTo("aborted");
        assertThat(run.getInt("exitCode")).isEqualTo(2);
        assertThat(run.getString("reason")).isEqualTo("aborted by DELETE /api/runs/" + id);
        assertThat(run.getString("results.find { it.id == 'steps[1].expect[0]' }.outcome")).isEqualTo("skipped");
        assertThat(run.<String>getList("rollbacks")).hasSize(2).noneMatch(x -> x.contains("failed"));
        assertThat(run.<String>getList("rollbacks").get(0)).contains("rlr-cut", "removed");
        assertThat(run.<String>getList("cleanup")).contains("server backup back to up", "fleet rlr deleted")
                .anyMatch(x -> x.matches("fault respond-\\d+ removed"));
        nothingOfTheRunLeft("rlr");
        assertThat(given().get("/api/runs/" + id + "/junit").asString()).contains("<error message=\"aborted: aborted by "
                + "DELETE /api/runs/" + id + "\"");

        // a finished run: DELETE forgets it
        given().delete("/api/runs/" + id).then().statusCode(204);
        given().get("/api/runs/" + id).then().statusCode(404).contentType("application/problem+json");
        given().delete("/api/runs/" + id).then().statusCode(404);
    }

    /** No fault, every server up, no fleet of the run: as the API shows them. */
    static void nothingOfTheRunLeft(String fleet) {
        assertThat(given().get("/api/faults").jsonPath().getList("$")).as("faults").isEmpty();
        assertThat(given().get("/api/servers").jsonPath().<String>getList("mode")).as("servers").isNotEmpty()
                .containsOnly("up");
        assertThat(given().get("/api/fleets").jsonPath().<String>getList("name")).as("fleets").doesNotContain(fleet);
        given().get("/api/fleets/" + fleet).then().statusCode(404);
    }

    static JsonPath awaitFinished(String id) {
        JsonPath[] last = new JsonPath[1];
        await("run " + id + " finished").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    last[0] = given().get("/api/runs/" + id).then().statusCode(200).extract().jsonPath();
                    return "finished".equals(last[0].getString("state"));
                });
        return last[0];
    }

    /** RestAssured encodes only the media types it knows: a YAML body goes as its UTF-8 bytes. */
    static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
