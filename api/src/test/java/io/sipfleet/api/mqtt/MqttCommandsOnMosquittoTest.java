package io.sipfleet.api.mqtt;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;

/**
 * Every topic again ({@link MqttCommandsTest}), with the service on a real Mosquitto started by the
 * test setup instead of the embedded broker. Skipped when there is no mosquitto binary.
 */
@QuarkusTest
@TestProfile(MosquittoProfile.class)
class MqttCommandsOnMosquittoTest extends MqttCommandsTest {
    @BeforeEach
    void mosquitto() {
        assumeTrue(Mosquitto.available(), "no mosquitto binary (Debian package mosquitto)");
    }
}
