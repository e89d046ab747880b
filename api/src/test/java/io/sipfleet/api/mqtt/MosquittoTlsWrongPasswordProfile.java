package io.sipfleet.api.mqtt;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/** The same Mosquitto over TLS, but the service is given a wrong password. */
public class MosquittoTlsWrongPasswordProfile implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(MosquittoTls.class, Map.of("service-password", "not-the-password")));
    }
}
