package io.sipfleet.api.stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** REST helpers of the stream tests: fleets on the built-in servers (test ports), their servers, metrics. */
final class Fleets {
    private Fleets() {}

    /** A V3 fleet on the built-in pair: keep-alive every second, no failback during a test. */
    static void create(String name, int count, long firstUser) {
        create(name, count, firstUser, 1);
    }

    /**
     * A V3 fleet on the built-in pair, keep-alive every {@code keepAlive} s (1,000 phones at 1 s are more
     * OPTIONS than this 2-core machine carries beside the tests), no failback during a test.
     */
    static void create(String name, int count, long firstUser, int keepAlive) {
        create(name, count, firstUser, keepAlive, 0);
    }

    /** As {@link #create(String, int, long, int)}, powered on at {@code rampPerSecond} (0: as fast as it keeps up). */
    static void create(String name, int count, long firstUser, int keepAlive, int rampPerSecond) {
        given().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\",\"model\":\"V3\",\"count\":" + count
                + ",\"rampPerSecond\":" + rampPerSecond
                + ",\"firstUser\":" + firstUser + ",\"password\":\"pw{user}\",\"line\":{\"registerAddr\":\"127.0.0.2\","
                + "\"registerPort\":15060,\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060,\"keepAliveInterval\":" + keepAlive + ","
                + "\"failbackInterval\":3600}}").post("/api/fleets").then().statusCode(201);
    }

    static void delete(String name) {
        given().delete("/api/fleets/" + name);
    }

    @SuppressWarnings("unchecked")
    static int on(String fleet, String server) {
        Map<String, Object> by = (Map<String, Object>) given().get("/api/fleets/" + fleet).then().statusCode(200)
                .extract().jsonPath().getMap("byActiveServer", String.class, Object.class);
        Object n = by.get(server);
        return n == null ? 0 : ((Number) n).intValue();
    }

    /** Line 1 of {@code count} phones of the fleet registered (on any server). */
    static void awaitAllRegistered(String fleet, int count, Duration within) {
        await(fleet + ": all " + count + " registered").atMost(within).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Object n = given().get("/api/fleets/" + fleet).then().statusCode(200).extract().jsonPath()
                            .getMap("byState", String.class, Object.class).get("registered");
                    return n != null && ((Number) n).intValue() == count;
                });
    }

    static void awaitAllOn(String fleet, String server, int count, Duration within) {
        await(fleet + ": all " + count + " on the " + server).atMost(within).pollInterval(Duration.ofMillis(100))
                .until(() -> on(fleet, server) == count);
    }

    static void mode(String server, String mode) {
        given().contentType(ContentType.JSON).body("{\"mode\":\"" + mode + "\"}")
                .put("/api/servers/" + server + "/availability").then().statusCode(200);
    }

    /** A phone's events at or after {@code since}, as REST gives them. */
    static List<Map<String, Object>> events(String phone, long since) {
        return given().queryParam("since", since).get("/api/phones/" + phone + "/events").then().statusCode(200)
                .extract().jsonPath().getList("$");
    }

    /** The value of a metric line starting with {@code prefix} (0 when absent). */
    static double metric(String prefix) {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return text.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(
                l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }

    /**
     * Every event REST shows for each phone since {@code since} came on the stream, in the same order,
     * and each within {@code maxDelayMs} of the instant it carries.
     */
    static void assertStreamHasEveryEvent(SseClient client, String fleet, int count, long since, int failedOver,
                                          long maxDelayMs) {
        await(fleet + ": a failover of each phone that was on the primary, on the stream")
                .atMost(Duration.ofSeconds(20)).until(() -> client.named("phone-event").stream()
                        .filter(e -> "failover".equals(e.data().get("type"))
                                && ((String) e.data().get("phone")).startsWith(fleet + "-"))
                        .map(e -> e.data().get("phone")).distinct().count() >= failedOver);
        // each phone checked until its streamed events equal what REST lists, then not asked again: one pass over
        // 1,000 phones is 1,000 REST calls, and on a loaded 2-core machine it took longer than the whole await
        java.util.Set<String> left = new java.util.LinkedHashSet<>();
        for (int i = 1; i <= count; i++) {
            left.add(fleet + "-" + i);
        }
        await(fleet + ": every phone's events on the stream").atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    for (java.util.Iterator<String> it = left.iterator(); it.hasNext(); ) {
                        String phone = it.next();
                        List<Map<String, Object>> rest = events(phone, since);
                        List<Map<String, Object>> streamed = client.of(phone).stream().map(e -> {
                            Map<String, Object> m = new java.util.LinkedHashMap<>(e.data());
                            m.remove("seq");
                            return m;
                        }).filter(m -> ((Number) m.get("at")).longValue() >= since).toList();
                        assertThat(streamed).as(phone).isEqualTo(rest);
                        it.remove();
                    }
                });
        List<SseClient.Event> mine = client.named("phone-event").stream()
                .filter(e -> ((String) e.data().get("phone")).startsWith(fleet + "-")).toList();
        long[] delays = mine.stream().mapToLong(e -> e.receivedAt() - ((Number) e.data().get("at")).longValue())
                .sorted().toArray();
        System.out.printf("%s: %d phone events on the stream, from the event to the client p50 %d ms, p99 %d ms, "
                        + "max %d ms (bound %d ms)%n", fleet, delays.length, delays[delays.length / 2],
                delays[(int) Math.min(delays.length - 1, Math.ceil(delays.length * 0.99) - 1)],
                delays[delays.length - 1], maxDelayMs);
        for (SseClient.Event e : mine) {
            long at = ((Number) e.data().get("at")).longValue();
            assertThat(e.receivedAt() - at).as("%s %s: ms from the event to the client", e.data().get("phone"),
                    e.data().get("type")).isLessThanOrEqualTo(maxDelayMs);
        }
        long last = 0;
        for (SseClient.Event e : client.named("phone-event")) {
            long seq = ((Number) e.data().get("seq")).longValue();
            assertThat(seq).as("seq rises").isGreaterThan(last);
            last = seq;
        }
    }
}
