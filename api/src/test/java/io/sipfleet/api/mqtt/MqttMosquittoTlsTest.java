package io.sipfleet.api.mqtt;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.mqtt.MqttProbe.errors;
import static io.sipfleet.api.mqtt.MqttProbe.phoneCmd;
import static io.sipfleet.api.mqtt.MqttProbe.state;
import static io.sipfleet.api.mqtt.MqttScenarios.awaitRegistered;
import static io.sipfleet.api.mqtt.MqttScenarios.deleteFleet;
import static io.sipfleet.api.mqtt.MqttScenarios.fleet;
import static io.sipfleet.api.mqtt.MqttScenarios.rest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service against a real Mosquitto that has a TLS listener only and demands a username and password
 * ({@code sipfleet.mqtt.tls=true}, trust store in the connector's {@code ssl.truststore.*} keys): ready,
 * commands carried out, retained state delivered, all over TLS. Skipped when there is no mosquitto.
 */
@QuarkusTest
@TestProfile(MosquittoTlsProfile.class)
class MqttMosquittoTlsTest {
    @BeforeEach
    void mosquitto() {
        assumeTrue(MosquittoTls.available(), "no mosquitto / mosquitto_passwd binary (Debian package mosquitto)");
    }

    @Test
    void overTlsWithCredentialsTheServiceIsReadyCarriesOutCommandsAndPublishesRetainedState() throws Exception {
        awaitReady();
        fleet("qtls", 2, 6301, "");
        try {
            try (MqttProbe probe = MosquittoTls.connect()) {
                probe.subscribe(MqttCommandsTest.BASE_PHONES + "+/state", MqttCommandsTest.BASE_PHONES + "+/events",
                        errors());
                awaitRegistered(probe, "qtls-1", "qtls-2");
                probe.publish(phoneCmd("qtls-1", "hook"), "off");
                probe.awaitState("qtls-1", s -> "off".equals(s.get("hook")), 10_000, "off hook");
                assertThat(probe.awaitEvent("qtls-1", "hook", 5_000).get("state")).isEqualTo("off");
                assertThat(rest("qtls-1").get("hook")).isEqualTo("off");
                assertThat(probe.on(errors())).isEmpty();
            }
            // a late subscriber over TLS gets the retained state, as REST gives it
            try (MqttProbe late = MosquittoTls.connect()) {
                late.subscribe(0, state("qtls-1"));
                MqttProbe.Received r = late.await(state("qtls-1"),
                        x -> x.retained() && "off".equals(x.json().get("hook")), 10_000, "the retained state");
                assertThat(r.json()).isEqualTo(rest("qtls-1"));
            }
        } finally {
            deleteFleet("qtls");
        }
    }

    @Test
    void theBrokerReallyDemandsTlsAndThePassword() throws Exception {
        int port = MqttProbe.brokerPort();
        // plain TCP against the TLS listener: no MQTT session
        assertThatThrownBy(() -> MqttProbe.connect(port, MosquittoTls.USER, MosquittoTls.PASSWORD).close())
                .isInstanceOf(MqttException.class);
        // TLS, wrong password: refused
        assertThatThrownBy(() -> MqttProbe.connect("ssl://127.0.0.1:" + port, MosquittoTls.USER, "wrong",
                MosquittoTls.clientTls()).close()).isInstanceOf(MqttException.class);
        // TLS without credentials: refused (no anonymous clients)
        assertThatThrownBy(() -> MqttProbe.connect("ssl://127.0.0.1:" + port, null, null, MosquittoTls.clientTls())
                .close()).isInstanceOf(MqttException.class);
    }

    static void awaitReady() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (given().get("/q/health/ready").statusCode() != 200) {
            assertThat(System.currentTimeMillis()).as("ready: " + given().get("/q/health/ready").asString())
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
