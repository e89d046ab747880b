package io.sipfleet.api.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
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
        await().atMost(Duration.ofSeconds(20))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        given().get("/q/health/ready").then().body("checks.name", hasItem("sip-stack"));
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void registrationsFailoversAndTheirLatencyAreMetrics() throws Exception {
        // the counters live as long as the service: other tests in this JVM may have counted before this one
        String[] registrations = {"sipfleet_registrations_total", "server=\"backup\"", "model=\"V2\""};
        String[] failovers = {"sipfleet_failovers_total", "reason=\"503\"", "from=\"primary\"", "to=\"backup\"",
                "request=\"REGISTER\"", "model=\"V2\""};
        String[] latencies = {"sipfleet_failover_latency_seconds_count", "reason=\"503\"", "model=\"V2\""};
        String before = given().get("/q/metrics").asString();
        // the primary answers 503 (a fault in its place) for this fleet: every phone fails over at once
        given().contentType(ContentType.JSON).body("{\"type\":\"respond\",\"target\":\"primary\","
                + "\"params\":{\"status\":503},\"phones\":{\"fleet\":\"met\"}}").post("/api/faults").then()
                .statusCode(201);
        given().contentType(ContentType.JSON).body("{\"name\":\"met\",\"model\":\"V2\",\"count\":3,\"firstUser\":4301,"
                + "\"password\":\"pw{user}\",\"line\":{\"registerAddr\":\"127.0.0.2\",\"registerPort\":15060,"
                + "\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060}}").post("/api/fleets").then().statusCode(201);
        String[] metrics = {""};
        await("three registrations on the backup and three failovers counted").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    metrics[0] = given().get("/q/metrics").asString();
                    return added(before, metrics[0], registrations) >= 3 && added(before, metrics[0], failovers) >= 3
                            && added(before, metrics[0], latencies) >= 3;
                });
        assertThat(added(before, metrics[0], registrations)).isEqualTo(3);
        assertThat(added(before, metrics[0], failovers)).isEqualTo(3);
        assertThat(added(before, metrics[0], latencies)).isEqualTo(3);
        assertThat(metrics[0]).contains("sipfleet_failover_latency_seconds_bucket");
        assertThat(metrics[0]).contains("sipfleet_phones");
    }

    @Test
    void callsInProgressIsAGauge() {
        double before = gauge("sipfleet_calls_in_progress");
        given().contentType(ContentType.JSON).body("{\"name\":\"cip\",\"model\":\"V3\",\"count\":2,\"firstUser\":4401,"
                + "\"password\":\"pw{user}\",\"autoAnswer\":true,\"line\":{\"registerAddr\":\"127.0.0.2\","
                + "\"registerPort\":15060,\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060}}").post("/api/fleets")
                .then().statusCode(201);
        await("both registered").atMost(Duration.ofSeconds(10)).until(() -> given().get("/api/fleets/cip").jsonPath()
                .getInt("byState.registered") == 2);
        given().contentType(ContentType.JSON).body("{\"state\":\"off\"}").post("/api/phones/cip-1/hook").then()
                .statusCode(202);
        given().contentType(ContentType.JSON).body("{\"keys\":[\"4\",\"4\",\"0\",\"2\",\"SEND\"]}")
                .post("/api/phones/cip-1/keys").then().statusCode(202);
        // the callee answers by itself: both phones in the call, as the fleet's own count says
        await("a call between cip-1 and cip-2 connected").atMost(Duration.ofSeconds(10)).until(() ->
                "CONNECTED".equalsIgnoreCase(given().get("/api/phones/cip-2").jsonPath().getString("callState")));
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("sipfleet_calls_in_progress") == before + 2);
        given().contentType(ContentType.JSON).body("{\"state\":\"on\"}").post("/api/phones/cip-1/hook").then()
                .statusCode(202);
        await("the call over").atMost(Duration.ofSeconds(10))
                .until(() -> gauge("sipfleet_calls_in_progress") == before);
    }

    /** A gauge without labels (-1 when absent). */
    private static double gauge(String name) {
        return given().get("/q/metrics").asString().lines().filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    private static double added(String before, String after, String... nameAndLabels) {
        String name = nameAndLabels[0];
        String[] labels = java.util.Arrays.copyOfRange(nameAndLabels, 1, nameAndLabels.length);
        return count(after, name, labels) - count(before, name, labels);
    }

    /** The sum of the samples of {@code name} whose labels contain every one of {@code labels}. */
    private static double count(String metrics, String name, String... labels) {
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
