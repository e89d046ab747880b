package io.sipfleet.api.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** POST/GET/DELETE /api/faults, POST /api/reset and external server availability (api.md, issue 4). */
@QuarkusTest
class FaultsResourceTest {

    @AfterEach
    void clean() {
        given().post("/api/reset").then().statusCode(200);
    }

    private static io.restassured.response.Response post(String json) {
        return given().contentType(ContentType.JSON).body(json).post("/api/faults");
    }

    private static List<Map<String, Object>> faults() {
        return given().get("/api/faults").then().statusCode(200).extract().jsonPath().getList("$");
    }

    @Test
    void aFaultIsCreatedListedReadAndDeleted() {
        String id = post("{\"name\":\"bh\",\"type\":\"blackhole\",\"target\":\"primary\",\"direction\":\"to-server\","
                + "\"probability\":0.5,\"durationSeconds\":30,\"phones\":{\"fleet\":\"x\"},\"methods\":[\"register\"]}")
                .then().statusCode(201).header("Location", containsString("/api/faults/bh"))
                .body("id", is("bh")).body("type", is("blackhole")).body("target", is("primary"))
                .body("server", is("127.0.0.2:15060")).body("direction", is("to-server"))
                .body("phones.fleet", is("x")).body("methods[0]", is("REGISTER")).body("state", is("active"))
                .body("counters.matched", is(0)).extract().path("id");
        assertThat(faults()).extracting(f -> f.get("id")).containsExactly("bh");
        given().get("/api/faults/" + id).then().statusCode(200).body("durationSeconds", is(30.0f));
        given().delete("/api/faults/" + id).then().statusCode(204);
        given().delete("/api/faults/" + id).then().statusCode(404).contentType("application/problem+json");
        given().get("/api/faults/" + id).then().statusCode(404);
        assertThat(faults()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown type|{\"type\":\"gremlins\",\"target\":\"primary\"}|type",
        "no type|{\"target\":\"primary\"}|type",
        "probability above 1|{\"type\":\"loss\",\"target\":\"primary\",\"probability\":1.5}|probability",
        "probability below 0|{\"type\":\"loss\",\"target\":\"primary\",\"probability\":-0.1}|probability",
        "unknown server|{\"type\":\"blackhole\",\"target\":\"tertiary\"}|target",
        "negative duration|{\"type\":\"blackhole\",\"target\":\"primary\",\"durationSeconds\":-1}|durationSeconds",
        "negative start delay|{\"type\":\"blackhole\",\"target\":\"primary\",\"startDelaySeconds\":-2}|startDelaySeconds",
        "respond without status|{\"type\":\"respond\",\"target\":\"primary\"}|params.status",
        "delay with a string|{\"type\":\"delay\",\"target\":\"primary\",\"params\":{\"ms\":\"soon\"}}|params.ms",
        "unknown param|{\"type\":\"blackhole\",\"target\":\"primary\",\"params\":{\"colour\":1}}|params.colour",
        "bad direction|{\"type\":\"blackhole\",\"target\":\"primary\",\"direction\":\"sideways\"}|direction",
        "bad phones|{\"type\":\"blackhole\",\"target\":\"primary\",\"phones\":{\"colour\":\"red\"}}|phones",
        "sample above 100|{\"type\":\"blackhole\",\"target\":\"primary\",\"phones\":{\"sample\":120}}|phones.sample",
        "probability of the wrong type|{\"type\":\"loss\",\"target\":\"primary\",\"probability\":\"half\"}|probability",
        "unknown field|{\"type\":\"loss\",\"target\":\"primary\",\"colour\":\"red\"}|colour"})
    void aBadDefinitionIsA400NamingTheFieldAndNothingIsApplied(String what, String json, String field) {
        post(json).then().statusCode(400).contentType("application/problem+json").body("field", is(field))
                .body("detail", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyString()));
        assertThat(faults()).as(what).isEmpty();
    }

    @Test
    void malformedJsonIsA400() {
        post("{\"type\":").then().statusCode(400).contentType("application/problem+json");
        assertThat(faults()).isEmpty();
    }

    @Test
    void aTakenNameIs409AndTheFirstStays() {
        post("{\"name\":\"one\",\"type\":\"blackhole\",\"target\":\"primary\"}").then().statusCode(201);
        post("{\"name\":\"one\",\"type\":\"delay\",\"target\":\"backup\",\"params\":{\"ms\":5}}").then()
                .statusCode(409).contentType("application/problem+json");
        assertThat(faults()).hasSize(1).extracting(f -> f.get("type")).containsExactly("blackhole");
    }

    @Test
    void anExternalServersAvailabilityIsCarriedOutByAFault() {
        given().contentType(ContentType.JSON).body("{\"mode\":\"503\"}").put("/api/servers/127.0.0.9:5999/availability")
                .then().statusCode(200).body("mode", is("503")).body("builtin", is(false));
        List<Map<String, Object>> f = faults();
        assertThat(f).hasSize(1);
        assertThat(f.get(0).get("type")).isEqualTo("respond");
        assertThat(f.get(0).get("server")).isEqualTo("127.0.0.9:5999");
        given().contentType(ContentType.JSON).body("{\"mode\":\"down\"}").put("/api/servers/127.0.0.9:5999/availability")
                .then().statusCode(200);
        assertThat(faults()).extracting(x -> x.get("type")).containsExactly("unreachable");
        given().contentType(ContentType.JSON).body("{\"mode\":\"up\"}").put("/api/servers/127.0.0.9:5999/availability")
                .then().statusCode(200);
        assertThat(faults()).isEmpty();
    }

    @Test
    void aRespond503FaultOnThePrimaryMakesAFleetFailOverAndCountsItsAnswers() throws Exception {
        given().contentType(ContentType.JSON).body("{\"name\":\"flt\",\"model\":\"V3\",\"count\":2,\"firstUser\":4201,"
                + "\"password\":\"pw{user}\",\"line\":{\"registerAddr\":\"127.0.0.2\",\"registerPort\":15060,"
                + "\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060}}").post("/api/fleets").then().statusCode(201);
        // wait for both on the primary, then make the primary answer 503 (in its place) and re-register
        awaitOn("flt", "primary", 2);
        post("{\"name\":\"o503\",\"type\":\"respond\",\"target\":\"primary\",\"params\":{\"status\":503},"
                + "\"phones\":{\"fleet\":\"flt\"}}").then().statusCode(201);
        for (String id : List.of("flt-1", "flt-2")) {
            given().post("/api/phones/" + id + "/lines/1/register").then().statusCode(202);
        }
        awaitOn("flt", "backup", 2);
        List<Map<String, Object>> events = given().get("/api/phones/flt-1/events").jsonPath().getList("$");
        assertThat(events).anySatisfy(e -> {
            assertThat(e.get("type")).isEqualTo("failover");
            assertThat(e.get("reason")).isEqualTo("503");
        });
        given().get("/api/faults/o503").then().statusCode(200)
                .body("counters.answered", org.hamcrest.Matchers.greaterThanOrEqualTo(2));
        given().post("/api/reset").then().statusCode(200).body("faultsRemoved", is(1))
                .body("fleetsDeleted", org.hamcrest.Matchers.hasItem("flt"));
        assertThat(faults()).isEmpty();
        given().get("/api/fleets/flt").then().statusCode(404);
    }

    @SuppressWarnings("unchecked")
    private static void awaitOn(String fleet, String server, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            Map<String, Object> by = (Map<String, Object>) (Map<?, ?>) given().get("/api/fleets/" + fleet)
                    .jsonPath().getMap("byActiveServer");
            Object c = by == null ? null : by.get(server);
            if (c != null && ((Number) c).intValue() == n) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(fleet + ": not " + n + " on " + server + " within 10 s: " + by);
            }
            Thread.sleep(20);
        }
    }
}
