package io.sipfleet.api.mqtt;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.mqtt.MqttProbe.errors;
import static io.sipfleet.api.mqtt.MqttProbe.line1;
import static io.sipfleet.api.mqtt.MqttProbe.phoneCmd;
import static io.sipfleet.api.mqtt.MqttProbe.state;
import static io.sipfleet.api.mqtt.MqttScenarios.awaitRegistered;
import static io.sipfleet.api.mqtt.MqttScenarios.deleteFleet;
import static io.sipfleet.api.mqtt.MqttScenarios.fleet;
import static io.sipfleet.api.mqtt.MqttScenarios.rest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service against a real Mosquitto started by the test setup ({@code sipfleet.mqtt.embedded=false}):
 * the call placed and answered by MQTT, and Mosquitto killed by its PID and started again on the same
 * port in the middle of a test. Skipped when there is no mosquitto binary.
 */
@QuarkusTest
@TestProfile(MosquittoProfile.class)
class MqttMosquittoTest {
    @Inject
    MqttPublisher publisher;

    @BeforeEach
    void mosquitto() {
        assumeTrue(Mosquitto.available(), "no mosquitto binary (Debian package mosquitto)");
    }

    @Test
    void aCallIsPlacedAndAnsweredPurelyByMqttThroughMosquitto() throws Exception {
        MqttScenarios.callByMqtt("qcall", 6101);
    }

    @Test
    void afterMosquittoIsKilledAndRestartedCommandsAreCarriedOutAndTheRetainedStateIsBack() throws Exception {
        List<String> phones = List.of("qkr-1", "qkr-2");
        fleet("qkr", 2, 6201, "");
        try {
            try (MqttProbe before = MqttProbe.connect()) {
                before.subscribe(MqttCommandsTest.BASE_PHONES + "+/state");
                awaitRegistered(before, phones.toArray(String[]::new));
            }
            long republished = publisher.republications();

            Mosquitto.kill();
            // the simulator does not care: REST answers, the phones stay registered
            for (String p : phones) {
                assertThat(line1(rest(p))).isEqualTo("registered");
            }
            Mosquitto.launch();

            // a new broker knows no retained message: the state a late subscriber gets was published again
            long deadline = System.currentTimeMillis() + 15_000;
            while (publisher.republications() == republished) {
                assertThat(System.currentTimeMillis()).as("the service reconnects").isLessThan(deadline);
                Thread.sleep(20);
            }
            try (MqttProbe after = connectWithin(10_000)) {
                after.subscribe(MqttCommandsTest.BASE_PHONES + "+/state", MqttCommandsTest.BASE_PHONES + "+/events",
                        errors());
                for (String p : phones) {
                    MqttProbe.Received r = after.await(state(p), MqttProbe.Received::retained, 10_000,
                            "the retained state, published again");
                    assertThat(r.json()).isEqualTo(rest(p));
                }
                // commands sent now are carried out: the service subscribed again by itself
                after.publish(phoneCmd("qkr-1", "hook"), "off");
                after.awaitState("qkr-1", s -> "off".equals(s.get("hook")), 10_000, "off hook");
                assertThat(after.awaitEvent("qkr-1", "hook", 5_000).get("state")).isEqualTo("off");
                assertThat(rest("qkr-1").get("hook")).isEqualTo("off");
                after.publish(phoneCmd("qkr-1", "hook"), "{\"state\":\"on\"}");
                after.awaitState("qkr-1", s -> "on".equals(s.get("hook")), 10_000, "on hook again");
                assertThat(after.on(errors())).isEmpty();
            }
            // nothing crashed
            for (String p : phones) {
                assertThat(line1(rest(p))).isEqualTo("registered");
            }
            given().get("/q/health/live").then().statusCode(200);
            Map<String, Object> fleetNow = given().get("/api/fleets/qkr").then().statusCode(200).extract().jsonPath()
                    .getMap("byState");
            assertThat(fleetNow).containsEntry("registered", 2);
        } finally {
            deleteFleet("qkr");
        }
    }

    private static MqttProbe connectWithin(long ms) throws InterruptedException, MqttException {
        long deadline = System.currentTimeMillis() + ms;
        while (true) {
            try {
                return MqttProbe.connect();
            } catch (MqttException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }
}
