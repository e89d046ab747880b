package io.sipfleet.api.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.runtime.TaskLoop;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator driven past what it can do (issue 9, "overload test"): every phone shard is stalled, as
 * a machine that cannot keep up would stall it, while the phones fail over from a silent primary. The
 * simulator must say so (readiness DOWN with the reason, the overload metric, every failover decided
 * meanwhile marked {@code overloaded}), keep answering its API within a second throughout, and come
 * back by itself once the load is gone (ready again, no phone stuck).
 */
@QuarkusTest
class OverloadTest {
    /** Each stalling task holds its shard this long: T1 = 50 ms in tests, the threshold is 10% of it (5 ms). */
    private static final long STALL_SLICE_MS = 40;
    private static final long STALL_MS = 4_000;
    private static final int PHONES = 12;

    @Inject
    Simulator simulator;

    @AfterEach
    void clean() {
        given().post("/api/reset").then().statusCode(200);
    }

    @Test
    void pastItsCapacityItSaysSoMarksItsVerdictsKeepsAnsweringAndRecovers() throws Exception {
        given().contentType(ContentType.JSON).body("{\"name\":\"ovl\",\"model\":\"V3\",\"count\":" + PHONES
                + ",\"firstUser\":4701,\"password\":\"pw{user}\",\"line\":{\"registerAddr\":\"127.0.0.2\","
                + "\"registerPort\":15060,\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060,\"failbackInterval\":3600}}")
                .post("/api/fleets").then().statusCode(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> registeredOn("primary") == PHONES);
        await("not overloaded before the stall").atMost(Duration.ofSeconds(10))
                .until(() -> !given().get("/api/status").jsonPath().getBoolean("overloaded"));
        given().contentType(ContentType.JSON).body("{\"mode\":\"silent\"}")
                .put("/api/servers/primary/availability").then().statusCode(200);

        // the control plane is polled all along: every call answers within a second
        Map<String, Long> worstMs = new ConcurrentHashMap<>();
        List<String> readiness = new CopyOnWriteArrayList<>();
        List<Double> overloadMetric = new CopyOnWriteArrayList<>();
        AtomicBoolean polling = new AtomicBoolean(true);
        Thread poller = new Thread(() -> {
            while (polling.get()) {
                time(worstMs, "GET /api/status", () -> given().get("/api/status"));
                time(worstMs, "GET /api/fleets/ovl", () -> given().get("/api/fleets/ovl"));
                time(worstMs, "GET /api/phones", () -> given().queryParam("fleet", "ovl").get("/api/phones"));
                time(worstMs, "GET /api/phones/ovl-1", () -> given().get("/api/phones/ovl-1"));
                time(worstMs, "GET /api/phones/ovl-1/events", () -> given().get("/api/phones/ovl-1/events"));
                Response ready = time(worstMs, "GET /q/health/ready", () -> given().get("/q/health/ready"));
                readiness.add(ready.statusCode() + " " + ready.asString());
                Response metrics = time(worstMs, "GET /q/metrics", () -> given().get("/q/metrics"));
                overloadMetric.add(metric(metrics.asString(), "sipfleet_overload "));
                time(worstMs, "POST /api/phones/ovl-2/hook", () -> given().contentType(ContentType.JSON)
                        .body("{\"state\":\"on\"}").post("/api/phones/ovl-2/hook"));
            }
        }, "overload-test-poller");
        poller.start();

        long stallStart = System.currentTimeMillis();
        stallEveryShard(STALL_MS);
        for (int i = 1; i <= PHONES; i++) { // a manual registration: REGISTER to the silent primary, failover at 15*T1
            given().post("/api/phones/ovl-" + i + "/lines/1/register").then().statusCode(202);
        }
        await("every phone on the backup").atMost(Duration.ofSeconds(20)).until(() -> registeredOn("backup") == PHONES);
        long stallEnd = stallStart + STALL_MS;
        await("ready again after the stall").atMost(Duration.ofSeconds(15))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        Thread.sleep(300);
        polling.set(false);
        poller.join(5_000);

        assertThat(worstMs).as("the control plane answered throughout").isNotEmpty();
        worstMs.forEach((call, ms) -> assertThat(ms).as(call + " (worst, ms)").isLessThan(1_000));
        assertThat(readiness).as("readiness went DOWN with the reason")
                .anyMatch(r -> r.startsWith("503") && r.contains("behind its own work") && r.contains("shard"));
        // ready again after the stall (awaited above); a busy test machine may pause the JVM past the 5 ms
        // threshold now and then afterwards, so the state at any later instant is not asserted
        assertThat(overloadMetric).as("the overload metric went up").contains(1.0);

        JsonPath status = given().get("/api/status").jsonPath();
        assertThat(status.getInt("episodes")).isGreaterThanOrEqualTo(1);
        assertThat(status.getDouble("lag.maxMs")).isGreaterThan(STALL_SLICE_MS / 2.0);

        int decidedInStall = 0;
        for (int i = 1; i <= PHONES; i++) {
            List<Map<String, Object>> events = given().get("/api/phones/ovl-" + i + "/events").jsonPath().getList("$");
            for (Map<String, Object> e : events) {
                long at = ((Number) e.get("at")).longValue();
                if ("failover".equals(e.get("type")) && at >= stallStart && at <= stallEnd) {
                    decidedInStall++;
                    assertThat(e.get("overloaded")).as("failover decided during the stall: " + e).isEqualTo(true);
                }
            }
        }
        assertThat(decidedInStall).as("failovers decided during the stall").isEqualTo(PHONES);

        // no phone stuck: each is registered (none left registering or failed), and each still takes a command
        assertThat(given().get("/api/fleets/ovl").jsonPath().getMap("byState")).isEqualTo(Map.of("registered", PHONES));
        for (int i = 1; i <= PHONES; i++) {
            given().post("/api/phones/ovl-" + i + "/lines/1/register").then().statusCode(202);
        }
        await("registered again on the backup").atMost(Duration.ofSeconds(5)).until(() ->
                given().get("/api/fleets/ovl").jsonPath().getMap("byState").equals(Map.of("registered", PHONES)));
    }

    /** Every shard runs tasks of {@value #STALL_SLICE_MS} ms back to back for {@code ms}. */
    private void stallEveryShard(long ms) {
        long until = System.nanoTime() + ms * 1_000_000L;
        for (TaskLoop shard : simulator.shards().shards()) {
            shard.execute(new Runnable() {
                @Override
                public void run() {
                    try {
                        Thread.sleep(STALL_SLICE_MS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    if (System.nanoTime() < until) {
                        shard.execute(this);
                    }
                }
            });
        }
    }

    private int registeredOn(String server) {
        Map<String, Integer> by = given().get("/api/fleets/ovl").jsonPath().getMap("byActiveServer");
        return by == null ? 0 : by.getOrDefault(server, 0);
    }

    private static Response time(Map<String, Long> worst, String what, java.util.function.Supplier<Response> call) {
        long t0 = System.nanoTime();
        Response r = call.get();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        worst.merge(what, ms, Math::max);
        assertThat(r.statusCode()).as(what).isIn(200, 202, 503);
        return r;
    }

    private static double metric(String metrics, String prefix) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }
}
