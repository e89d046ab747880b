package io.sipfleet.api.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * /api/relays: a phone pointed at a relay registers through it to the built-in primary, and a fault
 * scoped to the relay's clients makes it fail over. (A SIPp UAC through the relay to Kamailio:
 * simulator's FaultRelayKamailioIT.)
 */
@QuarkusTest
class RelaysResourceTest {

    @AfterEach
    void clean() {
        given().post("/api/reset").then().statusCode(200);
    }

    private static String body(String json) {
        return json;
    }

    @Test
    void aPhoneRegistersThroughTheRelayAndARelayScopedFaultMakesItFailOver() throws Exception {
        String listen = given().contentType(ContentType.JSON).body(body("{\"name\":\"lab\",\"upstream\":\"primary\"}"))
                .post("/api/relays").then().statusCode(201).body("name", is("lab"))
                .body("upstream", is("127.0.0.2:15060")).body("fleet", is("relay:lab")).body("udpOpen", is(true))
                .body("listen", startsWith("127.0.0.1:")).extract().path("listen");
        int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
        given().contentType(ContentType.JSON).body("{\"name\":\"viarelay\",\"model\":\"V3\",\"count\":1,"
                + "\"firstUser\":4401,\"password\":\"pw{user}\",\"line\":{\"registerAddr\":\"127.0.0.1\","
                + "\"registerPort\":" + port + ",\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060}}")
                .post("/api/fleets").then().statusCode(201);
        Map<String, Object> reg = await("viarelay-1", "registered", 1);
        assertThat((String) reg.get("address")).isEqualTo("127.0.0.1:" + port + "/UDP");
        given().get("/api/relays/lab").then().statusCode(200)
                .body("counters.toServer", org.hamcrest.Matchers.greaterThanOrEqualTo(2))
                .body("counters.toClient", org.hamcrest.Matchers.greaterThanOrEqualTo(2));
        // the relay's client is observed on the wire as a phone of fleet relay:lab, registered on the primary
        given().get("/api/phones?fleet=relay:lab").then().statusCode(200).body("total", is(1))
                .body("items[0].id", is("4401@127.0.0.1")).body("items[0].observed", is(true))
                .body("items[0].user", is("4401")).body("items[0].state", is("registered"))
                .body("items[0].activeServer", is("primary")).body("items[0].fleet", is("relay:lab"))
                .body("items[0].model", org.hamcrest.Matchers.nullValue())
                .body("items[0].lastEvents.type", org.hamcrest.Matchers.hasItem("registered"));
        given().get("/api/phones/4401@127.0.0.1").then().statusCode(200).body("observed", is(true))
                .body("lines[0].state", is("registered")).body("lines[0].activeServer", is("primary"))
                .body("home", is("primary")).body("requests.primary.REGISTER.transactions",
                        org.hamcrest.Matchers.greaterThanOrEqualTo(2));
        given().get("/api/phones/4401@127.0.0.1/events").then().statusCode(200)
                .body("type", org.hamcrest.Matchers.hasItems("registering", "registered"));
        given().contentType(ContentType.JSON).body("{\"keys\":\"1#\"}").post("/api/phones/4401@127.0.0.1/keys")
                .then().statusCode(409).contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.containsString("real phone observed behind a relay"));

        given().contentType(ContentType.JSON).body("{\"name\":\"cut\",\"type\":\"blackhole\",\"phones\":{\"fleet\":"
                + "\"relay:lab\"}}").post("/api/faults").then().statusCode(201);
        given().post("/api/phones/viarelay-1/lines/1/register").then().statusCode(202);
        Map<String, Object> failover = await("viarelay-1", "failover", 1);
        assertThat(failover.get("reason")).isEqualTo("timeout");
        await("viarelay-1", "registered", 2);
        given().get("/api/faults/cut").then().body("counters.dropped", org.hamcrest.Matchers.greaterThanOrEqualTo(1));
    }

    @Test
    void badRelaysAreRefusedNamingTheField() {
        given().contentType(ContentType.JSON).body("{\"name\":\"x\"}").post("/api/relays").then().statusCode(400)
                .body("field", is("upstream"));
        given().contentType(ContentType.JSON).body("{\"upstream\":\"tertiary\"}").post("/api/relays").then()
                .statusCode(400).body("field", is("upstream"));
        given().contentType(ContentType.JSON).body("{\"upstream\":\"primary\",\"listen\":\"nowhere\"}")
                .post("/api/relays").then().statusCode(400).body("field", is("listen"));
        given().contentType(ContentType.JSON).body("{\"name\":\"a b\",\"upstream\":\"primary\"}").post("/api/relays")
                .then().statusCode(400).body("field", is("name"));
        given().contentType(ContentType.JSON).body("{\"name\":\"twice\",\"upstream\":\"primary\"}").post("/api/relays")
                .then().statusCode(201);
        given().contentType(ContentType.JSON).body("{\"name\":\"twice\",\"upstream\":\"backup\"}").post("/api/relays")
                .then().statusCode(409).contentType("application/problem+json");
        assertThat(given().get("/api/relays").jsonPath().getList("name")).containsExactly("twice");
        given().delete("/api/relays/twice").then().statusCode(204);
        given().delete("/api/relays/twice").then().statusCode(404).contentType("application/problem+json");
    }

    /** The phone's n-th event of {@code type}, waiting up to 10 s. */
    private static Map<String, Object> await(String phone, String type, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            List<Map<String, Object>> events = given().get("/api/phones/" + phone + "/events").jsonPath().getList("$");
            List<Map<String, Object>> of = events.stream().filter(e -> type.equals(e.get("type"))).toList();
            if (of.size() >= n) {
                return of.get(n - 1);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(phone + ": no " + type + " #" + n + " within 10 s: " + events);
            }
            Thread.sleep(20);
        }
    }
}
