package io.sipfleet.api.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Readiness and the phones' Prometheus metrics. */
@QuarkusTest
class OpsTest {

    @AfterEach
    void clean() {
        given().post("/api/reset").then().statusCode(200);
    }

    @Test
    void readyWhenTheSipStackIsUp() {
        // readiness is also DOWN while the simulator is overloaded (OverloadTest): a busy test machine can make it so
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        given().get("/q/health/ready").then().body("checks.name", hasItem("sip-stack"));
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void registrationsFailoversAndTheirLatencyAreMetrics() throws Exception {
        // the primary answers 503 (a fault in its place) for this fleet: every phone fails over at once
        given().contentType(ContentType.JSON).body("{\"type\":\"respond\",\"target\":\"primary\","
                + "\"params\":{\"status\":503},\"phones\":{\"fleet\":\"met\"}}").post("/api/faults").then()
                .statusCode(201);
        given().contentType(ContentType.JSON).body("{\"name\":\"met\",\"model\":\"V2\",\"count\":3,\"firstUser\":4301,"
                + "\"password\":\"pw{user}\",\"line\":{\"registerAddr\":\"127.0.0.2\",\"registerPort\":15060,"
                + "\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060}}").post("/api/fleets").then().statusCode(201);
        long deadline = System.currentTimeMillis() + 10_000;
        String metrics = "";
        while (System.currentTimeMillis() < deadline) {
            metrics = given().get("/q/metrics").asString();
            if (count(metrics, "sipfleet_registrations_total", "server=\"backup\"", "model=\"V2\"") >= 3) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(count(metrics, "sipfleet_registrations_total", "server=\"backup\"", "model=\"V2\"")).isEqualTo(3);
        assertThat(count(metrics, "sipfleet_failovers_total", "reason=\"503\"", "from=\"primary\"", "to=\"backup\"",
                "request=\"REGISTER\"", "model=\"V2\"")).isEqualTo(3);
        assertThat(count(metrics, "sipfleet_failover_latency_seconds_count", "reason=\"503\"", "model=\"V2\""))
                .isEqualTo(3);
        assertThat(metrics).contains("sipfleet_failover_latency_seconds_bucket");
        assertThat(metrics).contains("sipfleet_phones");
    }

    /** The value of the first sample of {@code name} whose labels contain every one of {@code labels}. */
    private static double count(String metrics, String name, String... labels) {
        for (String line : metrics.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
