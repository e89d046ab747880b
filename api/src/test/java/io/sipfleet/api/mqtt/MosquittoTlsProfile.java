package io.sipfleet.api.mqtt;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;

/** The service on a real Mosquitto over TLS with username and password (started by the test setup). */
public class MosquittoTlsProfile implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(MosquittoTls.class));
    }
}
