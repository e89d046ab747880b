package io.sipfleet.api.mqtt;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;

/** The service on a real Mosquitto (started by the test setup) instead of the embedded broker. */
public class MosquittoProfile implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Mosquitto.class));
    }
}
