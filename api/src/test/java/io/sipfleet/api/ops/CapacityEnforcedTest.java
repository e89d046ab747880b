package io.sipfleet.api.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With {@code sipfleet.capacity.enforce=true}, a fleet beyond the measured capacity is refused with 422 and nothing is made. */
@QuarkusTest
@TestProfile(CapacityEnforcedTest.Enforced.class)
class CapacityEnforcedTest {
    public static class Enforced implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sipfleet.capacity.enforce", "true");
        }
    }

    @Test
    void anOversizeFleetIsRefusedWith422AndNothingIsCreated() {
        given().contentType(ContentType.JSON).body(CapacityTest.OVERSIZE).post("/api/fleets").then().statusCode(422)
                .contentType("application/problem+json")
                .body("status", is(422))
                .body("field", is("count"))
                .body("detail", containsString("sipfleet.capacity.enforce=true"))
                .body("projectedPerSecond", is(20_012))
                .body("capacityPerSecond", greaterThan(0));
        given().get("/api/fleets/huge").then().statusCode(404);
        given().get("/api/fleets").then().statusCode(200).body("size()", is(0));
    }
}
