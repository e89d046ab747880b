package io.sipfleet.api.mqtt;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.mqtt.MqttProbe.errors;
import static io.sipfleet.api.mqtt.MqttProbe.events;
import static io.sipfleet.api.mqtt.MqttProbe.phoneCmd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Instance 1 of a 3-instance cluster (README "Scale-out", issue 12 item 1): a 30-phone fleet is defined whole
 * and only phones 11..20 are made, powered on and registered here; a phone of another slice is a 404 that says
 * which shard runs it, and an MQTT command for it is left to that shard (no error answer), while a phone no
 * shard has is refused as ever; every metric carries {@code shard="1"}.
 */
@QuarkusTest
@TestProfile(ShardedInstanceTest.SecondOfThree.class)
class ShardedInstanceTest {
    public static class SecondOfThree implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sipfleet.cluster.shard-index", "1", "sipfleet.cluster.shard-count", "3");
        }
    }

    @Test
    void theInstancePowersOnItsSliceAndLeavesTheOthersPhonesToThem() throws Exception {
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.subscribe(events("+"), errors());
            MqttScenarios.fleet("sl", 30, 7001, "");
            try {
                given().get("/api/fleets/sl").then().statusCode(200)
                        .body("count", is(30))
                        .body("shard.index", is(1)).body("shard.of", is(3))
                        .body("shard.firstPhone", is(11)).body("shard.lastPhone", is(20)).body("shard.phones", is(10));
                await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/fleets/sl").then().extract()
                        .jsonPath().getInt("byState.registered") == 10);
                given().get("/api/phones/sl-11").then().statusCode(200).body("lines[0].config.user", is("7011"));
                given().get("/api/phones/sl-10").then().statusCode(404).contentType("application/problem+json")
                        .body("detail", containsString("runs on shard 0 of 3; this instance is shard 1"));
                given().get("/api/phones/sl-21").then().statusCode(404)
                        .body("detail", containsString("runs on shard 2 of 3"));
                given().get("/api/phones/sl-31").then().statusCode(404).body("detail", containsString("no phone 'sl-31'"));

                probe.publish(phoneCmd("sl-5", "register"), "{\"line\":1}");   // shard 0's: not ours to answer
                probe.publish(phoneCmd("sl-31", "register"), "{\"line\":1}");  // nobody's: refused
                probe.await(errors(), r -> String.valueOf(r.json().get("topic")).contains("sl-31"), 5_000,
                        "the refusal of sl-31");
                assertThat(probe.on(errors())).as("no answer for another shard's phone")
                        .noneMatch(r -> String.valueOf(r.json().get("topic")).contains("sl-5/"));
                assertThat(probe.on(events("sl-5"))).isEmpty();

                String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
                assertThat(metrics).contains("sipfleet_phones{shard=\"1\"} 10.0");
            } finally {
                MqttScenarios.deleteFleet("sl");
            }
        }
    }
}
