package io.sipfleet.api.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The README's example, driven only through REST against the built-in servers (T1 = 50 ms in tests):
 * take the primary down, watch the fleet fail over, bring it back, watch it fail back.
 */
@QuarkusTest
class FailoverThroughTheApiTest {

    private static Map<String, Object> fleet(String name) {
        return given().get("/api/fleets/" + name).then().statusCode(200).extract().jsonPath().getMap("$");
    }

    @SuppressWarnings("unchecked")
    private static int onServer(String fleet, String server) {
        Map<String, Object> by = (Map<String, Object>) fleet(fleet).get("byActiveServer");
        Object n = by.get(server);
        return n == null ? 0 : ((Number) n).intValue();
    }

    private static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void mode(String server, String mode) {
        given().contentType(ContentType.JSON).body("{\"mode\":\"" + mode + "\"}")
                .put("/api/servers/" + server + "/availability").then().statusCode(200);
    }

    @Test
    void aFleetFailsOverWhenThePrimaryGoesSilentAndFailsBackWhenItReturns() throws Exception {
        given().contentType(ContentType.JSON).body("{\"name\":\"fo\",\"model\":\"V3\",\"count\":5,\"firstUser\":4001,"
                + "\"password\":\"pw{user}\",\"line\":{\"registerAddr\":\"127.0.0.2\",\"registerPort\":15060,"
                + "\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060,\"failbackInterval\":2,\"keepAliveInterval\":1}}")
                .post("/api/fleets").then().statusCode(201);
        try {
            await("all 5 registered on the primary", () -> onServer("fo", "primary") == 5);
            mode("primary", "silent");
            // keep-alive every 1 s; OPTIONS gives up after 750 ms; the walk then meets the silent primary
            // again (750 ms) and registers on the backup
            await("all 5 on the backup", () -> onServer("fo", "backup") == 5);
            mode("primary", "up");
            await("all 5 back on the primary", () -> onServer("fo", "primary") == 5);

            List<Map<String, Object>> events = given().get("/api/phones/fo-1/events").jsonPath().getList("$");
            List<String> types = events.stream().map(e -> (String) e.get("type")).toList();
            assertThat(types).containsSubsequence("registered", "keepalive-timeout", "failover", "registered",
                    "failback-probe", "failback");
            Predicate<Map<String, Object>> failover = e -> "failover".equals(e.get("type"));
            Map<String, Object> f = events.stream().filter(failover).findFirst().orElseThrow();
            assertThat(f.get("from")).isEqualTo("primary");
            assertThat(f.get("to")).isEqualTo("backup");
            assertThat(f.get("reason")).isEqualTo("timeout");
        } finally {
            mode("primary", "up");
            given().delete("/api/fleets/fo");
        }
    }

    @Test
    void aTlsFleetRegistersOnTheBuiltInServersTlsPortsAndFailsOverWhenThePrimaryGoesDown() throws Exception {
        // the built-in servers listen for TLS on their port + 1, with the certificate the phones trust
        given().contentType(ContentType.JSON).body("{\"name\":\"tls\",\"model\":\"V3\",\"count\":3,"
                + "\"firstUser\":4101,\"password\":\"pw{user}\",\"line\":{\"transport\":\"TLS\","
                + "\"registerAddr\":\"127.0.0.2\",\"registerPort\":15061,\"backupAddr\":\"127.0.0.3\","
                + "\"backupPort\":15061,\"backupTransport\":\"TLS\",\"failbackInterval\":2,\"keepAliveInterval\":1}}")
                .post("/api/fleets").then().statusCode(201);
        try {
            await("all 3 registered on the primary over TLS", () -> onServer("tls", "primary") == 3);
            mode("primary", "down");
            await("all 3 on the backup", () -> onServer("tls", "backup") == 3);
            mode("primary", "up");
            await("all 3 back on the primary", () -> onServer("tls", "primary") == 3);
            List<Map<String, Object>> events = given().get("/api/phones/tls-1/events").jsonPath().getList("$");
            Map<String, Object> f = events.stream().filter(e -> "failover".equals(e.get("type"))).findFirst()
                    .orElseThrow();
            assertThat(f.get("from")).isEqualTo("primary");
            assertThat(f.get("to")).isEqualTo("backup");
            assertThat(f.get("reason")).isEqualTo("tcp-refused");
            assertThat(f.get("toAddress")).isEqualTo("127.0.0.3:15061/TLS");
        } finally {
            mode("primary", "up");
            given().delete("/api/fleets/tls");
        }
    }
}
