package io.sipfleet.api.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GET /api/phones, one phone, its line, hook, keys, register, events. The fleet's servers are two
 * closed UDP ports on loopback, so every REGISTER meets a real ICMP port unreachable.
 */
@QuarkusTest
class PhonesResourceTest {
    private static final String FLEET = "ph";

    @BeforeEach
    void fleet() {
        // once per run (the application outlives the test methods); 409 = made by an earlier method
        int status = given().contentType(ContentType.JSON).body(FleetsResourceTest.fleet(FLEET, 4))
                .post("/api/fleets").statusCode();
        assertThat(status).isIn(201, 409);
    }

    @Test
    void aPageOfPhonesIsFilteredAndPaged() {
        given().queryParam("fleet", FLEET).queryParam("size", 3).get("/api/phones")
                .then().statusCode(200).body("total", equalTo(4)).body("items", hasSize(3))
                .body("items[0].id", equalTo("ph-1")).body("items[0].model", equalTo("V3"));
        given().queryParam("fleet", FLEET).queryParam("size", 3).queryParam("page", 1).get("/api/phones")
                .then().body("items", hasSize(1)).body("items[0].id", equalTo("ph-4"));
        given().queryParam("fleet", FLEET).queryParam("model", "V2").get("/api/phones").then().body("total", equalTo(0));
        given().queryParam("size", 0).get("/api/phones").then().statusCode(400).body("field", equalTo("size"));
        given().queryParam("state", "sleeping").get("/api/phones").then().statusCode(400).body("field", equalTo("state"));
    }

    @Test
    void aPhoneShowsItsLinesWithThePasswordMasked() {
        given().get("/api/phones/ph-2").then().statusCode(200)
                .body("id", equalTo("ph-2")).body("fleet", equalTo(FLEET)).body("hook", equalTo("on"))
                .body("lines", hasSize(6)).body("lines[0].config.user", equalTo("2002"))
                .body("lines[0].config.password", equalTo("****")).body("lines[1].state", equalTo("disabled"))
                .body(not(containsString("secret2002")));
        given().get("/api/phones/ph-99").then().statusCode(404).contentType("application/problem+json");
        given().get("/api/phones/nofleet-1").then().statusCode(404);
    }

    @Test
    void closedPortsOnBothServersFailTheRegistrationAtOnceWithIcmpReasons() throws Exception {
        List<Map<String, Object>> events = List.of();
        long deadline = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < deadline) {
            events = given().get("/api/phones/ph-1/events").then().statusCode(200).extract().jsonPath().getList("$");
            if (events.stream().anyMatch(e -> "register-failed".equals(e.get("type")))) {
                break;
            }
            Thread.sleep(50);
        }
        List<Map<String, Object>> seen = events;
        Map<String, Object> failover = events.stream().filter(e -> "failover".equals(e.get("type"))).findFirst()
                .orElseThrow(() -> new AssertionError("no failover in " + seen));
        assertThat(failover.get("reason")).isEqualTo("icmp-unreachable");
        assertThat(failover.get("from")).isEqualTo("primary");
        assertThat(failover.get("to")).isEqualTo("backup");
        Map<String, Object> failed = events.stream().filter(e -> "register-failed".equals(e.get("type"))).findFirst()
                .orElseThrow();
        assertThat(failed.toString()).contains("icmp-unreachable");
        long registering = ((Number) events.get(0).get("at")).longValue();
        long failedAt = ((Number) failed.get("at")).longValue();
        // ICMP is detected within 100 ms of each send (§4.2, issue 3): both servers well under a T1 each
        assertThat(failedAt - registering).as(events.toString()).isLessThan(200);
    }

    @Test
    void aBadLineConfigurationIs400NamingTheItemAndKeepsTheOldOne() {
        given().contentType(ContentType.JSON).body("{\"registerPort\":0}").put("/api/phones/ph-3/lines/1")
                .then().statusCode(400).body("field", equalTo("registerPort"));
        given().get("/api/phones/ph-3").then().body("lines[0].config.registerPort", equalTo(5999));
        given().contentType(ContentType.JSON).body("{\"registerTtl\":\"long\"}").put("/api/phones/ph-3/lines/1")
                .then().statusCode(400).body("field", equalTo("registerTtl"));
        given().contentType(ContentType.JSON).body("{\"registerPort\":5998}").put("/api/phones/ph-3/lines/9")
                .then().statusCode(404);
    }

    @Test
    void aGoodLineConfigurationIsAppliedAndTheMaskKeepsThePassword() {
        JsonPath after = given().contentType(ContentType.JSON)
                .body("{\"registerTtl\":600,\"password\":\"****\",\"transport\":1}").put("/api/phones/ph-4/lines/1")
                .then().statusCode(200).body("lines[0].config.registerTtl", equalTo(600))
                .body("lines[0].config.transport", equalTo("TCP")).body("lines[0].config.password", equalTo("****"))
                .extract().jsonPath();
        assertThat(after.getString("lines[0].config.user")).isEqualTo("2004");
    }

    @Test
    void hookAndKeysAreCarriedOutAndBadOnesAre400() {
        given().contentType(ContentType.JSON).body("{\"state\":\"off\"}").post("/api/phones/ph-2/hook")
                .then().statusCode(202);
        given().get("/api/phones/ph-2").then().body("hook", equalTo("off")).body("callState", equalTo("dialing"));
        given().contentType(ContentType.JSON).body("{\"keys\":[\"1\",\"0\"]}").post("/api/phones/ph-2/keys")
                .then().statusCode(202);
        given().get("/api/phones/ph-2").then().body("display[1]", equalTo("Dial: 10"));
        given().contentType(ContentType.JSON).body("{\"keys\":[\"1\",\"PLAY\"]}").post("/api/phones/ph-2/keys")
                .then().statusCode(400).body("field", equalTo("keys[1]"));
        given().contentType(ContentType.JSON).body("{\"keys\":\"10x\"}").post("/api/phones/ph-2/keys")
                .then().statusCode(400).body("field", equalTo("keys"));
        given().get("/api/phones/ph-2").then().body("display[1]", equalTo("Dial: 10"));
        given().contentType(ContentType.JSON).body("{\"state\":\"up\"}").post("/api/phones/ph-2/hook")
                .then().statusCode(400).body("field", equalTo("state"));
        given().contentType(ContentType.JSON).body("{\"state\":\"on\"}").post("/api/phones/ph-2/hook")
                .then().statusCode(202);
        given().get("/api/phones/ph-2").then().body("callState", equalTo("idle"));
        List<String> types = given().get("/api/phones/ph-2/events").jsonPath().getList("type");
        assertThat(types).contains("hook", "key");
    }

    @Test
    void manualRegistrationIsAccepted() {
        given().contentType(ContentType.JSON).post("/api/phones/ph-1/lines/1/register").then().statusCode(202);
        given().contentType(ContentType.JSON).post("/api/phones/ph-1/lines/2/register").then().statusCode(400).body("field", equalTo("line"));
        given().contentType(ContentType.JSON).post("/api/phones/ph-1/lines/7/register").then().statusCode(404);
    }
}
