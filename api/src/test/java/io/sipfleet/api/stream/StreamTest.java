package io.sipfleet.api.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;

/**
 * {@code GET /api/stream} (Server-Sent Events) against the built-in servers (T1 = 50 ms): every event of a
 * 1,000-phone failover reaches a client within 2 s and in order per phone; filters pass only their
 * phones; a summary comes at once and every second, without per-phone data.
 */
@QuarkusTest
class StreamTest {
    @TestHTTPResource("/api/stream")
    URL stream;

    @Test
    void oneClientReceivesEveryEventOfAThousandPhoneFailoverWithinTwoSecondsInOrderPerPhone() throws Exception {
        Fleets.create("big", 1000, 20_001, 5, 200);
        try (SseClient client = new SseClient(stream + "?fleet=big")) {
            // all registered (on a loaded 2-core machine at T1 = 50 ms a few may have gone to the backup already)
            Fleets.awaitAllRegistered("big", 1000, Duration.ofSeconds(90));
            int onPrimary = Fleets.on("big", "primary");
            assertThat(onPrimary).isGreaterThan(900);
            await().atMost(Duration.ofSeconds(5)).until(() -> !client.named("summary").isEmpty());
            long since = System.currentTimeMillis();
            Fleets.mode("primary", "down");
            Fleets.awaitAllOn("big", "backup", 1000, Duration.ofSeconds(20));
            Fleets.assertStreamHasEveryEvent(client, "big", 1000, since, onPrimary, 2_000);
            assertThat(client.named("dropped")).isEmpty();
            assertThat(client.named("phone-event").stream().map(e -> e.data().get("type")).collect(Collectors.toSet()))
                    .contains("failover", "registered");
        } finally {
            Fleets.mode("primary", "up");
            Fleets.delete("big");
        }
    }

    @Test
    void filtersByFleetAndPhonePassOnlyTheirPhonesEvents() throws Exception {
        Fleets.create("fa", 3, 21_001);
        Fleets.create("fb", 3, 21_101);
        try (SseClient byFleet = new SseClient(stream + "?fleet=fa");
             SseClient byPhone = new SseClient(stream + "?phone=fb-2");
             SseClient both = new SseClient(stream + "?fleet=fb&phone=fa-1");
             SseClient list = new SseClient(stream + "?phone=fa-3,fb-1");
             SseClient none = new SseClient(stream + "?fleet=nosuch")) {
            for (SseClient c : List.of(byFleet, byPhone, both, list, none)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> !c.named("summary").isEmpty());
            }
            List<String> phones = List.of("fa-1", "fa-2", "fa-3", "fb-1", "fb-2", "fb-3");
            for (String p : phones) {
                given().contentType("application/json").body("{\"state\":\"off\"}").post("/api/phones/" + p + "/hook")
                        .then().statusCode(202);
            }
            Map<SseClient, Set<String>> expected = Map.of(byFleet, Set.of("fa-1", "fa-2", "fa-3"),
                    byPhone, Set.of("fb-2"), both, Set.of("fb-1", "fb-2", "fb-3", "fa-1"), list, Set.of("fa-3", "fb-1"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> expected.forEach((c, want) -> {
                Set<String> hooked = c.named("phone-event").stream().filter(e -> "hook".equals(e.data().get("type")))
                        .map(e -> (String) e.data().get("phone")).collect(Collectors.toSet());
                assertThat(hooked).isEqualTo(want);
            }));
            expected.forEach((c, want) -> assertThat(c.named("phone-event")).allSatisfy(e ->
                    assertThat(want).contains((String) e.data().get("phone"))));
            assertThat(none.named("phone-event")).isEmpty();
        } finally {
            Fleets.delete("fa");
            Fleets.delete("fb");
        }
    }

    @Test
    void eventsNoneCarriesTheSummariesAloneAndRefusesFiltersOrAnotherValue() throws Exception {
        Fleets.create("en", 3, 21_201);
        try (SseClient summariesOnly = new SseClient(stream + "?events=none");
             SseClient dash = new SseClient(stream + "?phone=-");
             SseClient every = new SseClient(stream + "?events=all&fleet=en")) {
            for (SseClient c : List.of(summariesOnly, dash, every)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> !c.named("summary").isEmpty());
            }
            for (String p : List.of("en-1", "en-2", "en-3")) {
                given().contentType("application/json").body("{\"state\":\"off\"}").post("/api/phones/" + p + "/hook")
                        .then().statusCode(202);
            }
            // the client that asked for events has the three hooks; the others, later summaries but no event
            await().atMost(Duration.ofSeconds(10)).until(() -> every.named("phone-event").stream()
                    .filter(e -> "hook".equals(e.data().get("type"))).count() == 3);
            long t = System.currentTimeMillis();
            await().atMost(Duration.ofSeconds(5)).until(() -> summariesOnly.named("summary").stream()
                    .anyMatch(e -> e.receivedAt() > t) && dash.named("summary").stream().anyMatch(e -> e.receivedAt() > t));
            assertThat(summariesOnly.events).isNotEmpty().allSatisfy(e -> assertThat(e.name()).isEqualTo("summary"));
            assertThat(dash.events).isNotEmpty().allSatisfy(e -> assertThat(e.name()).isEqualTo("summary"));
        } finally {
            Fleets.delete("en");
        }
        given().queryParam("events", "some").accept("text/event-stream").get("/api/stream").then().statusCode(400)
                .body("field", org.hamcrest.Matchers.equalTo("events"));
        given().queryParam("events", "none").queryParam("fleet", "en").accept("text/event-stream").get("/api/stream")
                .then().statusCode(400).body("field", org.hamcrest.Matchers.equalTo("events"));
        // a client's own queue: 1 to sipfleet.stream.queue-size (10,000)
        for (String bad : List.of("0", "10001", "many")) {
            given().queryParam("queue", bad).accept("text/event-stream").get("/api/stream").then().statusCode(400)
                    .body("field", org.hamcrest.Matchers.equalTo("queue"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSummaryComesAtOnceAndEverySecondWithTotalsAndNoPhoneData() throws Exception {
        Fleets.create("sm", 4, 22_001);
        try (SseClient client = new SseClient(stream.toString())) {
            Fleets.awaitAllOn("sm", "primary", 4, Duration.ofSeconds(10));
            long t0 = System.currentTimeMillis();
            await().atMost(Duration.ofSeconds(5)).until(() -> client.named("summary").stream()
                    .filter(e -> e.receivedAt() >= t0).count() >= 2);
            List<SseClient.Event> s = client.named("summary").stream().filter(e -> e.receivedAt() >= t0).toList();
            long gap = s.get(1).receivedAt() - s.get(0).receivedAt();
            assertThat(gap).isBetween(500L, 1_600L);
            Map<String, Object> last = s.get(1).data();
            assertThat(((Number) last.get("at")).longValue()).isGreaterThan(t0 - 1_000);
            Map<String, Object> totals = (Map<String, Object>) last.get("totals");
            assertThat(((Number) totals.get("phones")).intValue()).isGreaterThanOrEqualTo(4);
            assertThat(((Number) totals.get("onPrimary")).intValue()).isGreaterThanOrEqualTo(4);
            assertThat(totals).containsKeys("registered", "onBackup", "onOther", "failed", "callsInProgress",
                    "failoversLastMinute", "failbacksLastMinute");
            List<Map<String, Object>> fleets = (List<Map<String, Object>>) last.get("fleets");
            Map<String, Object> sm = fleets.stream().filter(f -> "sm".equals(f.get("name"))).findFirst().orElseThrow();
            assertThat(sm).containsKeys("count", "poweredOn", "byState", "byActiveServer", "ramp");
            assertThat(((Map<String, Object>) sm.get("byActiveServer")).get("primary")).isEqualTo(4);
            List<Map<String, Object>> servers = (List<Map<String, Object>>) last.get("servers");
            assertThat(servers).anySatisfy(x -> {
                assertThat(x.get("name")).isEqualTo("primary");
                assertThat(((Number) x.get("requestsReceived")).longValue()).isPositive();
            });
            assertThat(last).containsKey("overloaded");
            // summaries carry counts, never a phone: no phone id of the fleet anywhere in them
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(last)).doesNotContain("sm-1");
        } finally {
            Fleets.delete("sm");
        }
    }
}
