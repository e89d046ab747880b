package io.sipfleet.api.mqtt;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.mqtt.MqttProbe.phoneCmd;
import static io.sipfleet.api.mqtt.MqttScenarios.awaitRegistered;
import static io.sipfleet.api.mqtt.MqttScenarios.deleteFleet;
import static io.sipfleet.api.mqtt.MqttScenarios.fleet;
import static io.sipfleet.api.mqtt.MqttScenarios.rest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same TLS Mosquitto, but the service has a wrong password: readiness stays DOWN and a command sent
 * over MQTT (by a client that does have the password) is not carried out. Skipped without mosquitto.
 */
@QuarkusTest
@TestProfile(MosquittoTlsWrongPasswordProfile.class)
class MqttMosquittoTlsWrongPasswordTest {
    @BeforeEach
    void mosquitto() {
        assumeTrue(MosquittoTls.available(), "no mosquitto / mosquitto_passwd binary (Debian package mosquitto)");
    }

    @Test
    void withAWrongPasswordTheServiceIsNotReadyAndServesNoCommand() throws Exception {
        fleet("qtlsbad", 1, 6401, "");
        try {
            // REST: the phone registers all the same
            long deadline = System.currentTimeMillis() + 10_000;
            while (!"registered".equals(MqttProbe.line1(rest("qtlsbad-1")))) {
                assertThat(System.currentTimeMillis()).as("registered").isLessThan(deadline);
                Thread.sleep(50);
            }
            try (MqttProbe probe = MosquittoTls.connect()) {
                probe.subscribe(MqttCommandsTest.BASE_PHONES + "+/state");
                probe.publish(phoneCmd("qtlsbad-1", "hook"), "off");
                // over 3 s (three reconnection attempts): never ready, the command never carried out,
                // and no state published by the service
                long until = System.currentTimeMillis() + 3_000;
                while (System.currentTimeMillis() < until) {
                    // DOWN because of MQTT: the messaging readiness check reports the commands channel KO
                    given().get("/q/health/ready").then().statusCode(503).body(
                            "checks.find { it.name == 'SmallRye Reactive Messaging - readiness check' }.status",
                            org.hamcrest.Matchers.is("DOWN"));
                    assertThat(rest("qtlsbad-1").get("hook")).isEqualTo("on");
                    Thread.sleep(200);
                }
                assertThat(probe.received()).isEmpty();
            }
        } finally {
            deleteFleet("qtlsbad");
        }
    }
}
