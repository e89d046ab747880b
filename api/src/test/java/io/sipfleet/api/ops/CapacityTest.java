package io.sipfleet.api.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A fleet beyond what this instance measured it can carry is created with a warning that gives both figures. */
@QuarkusTest
class CapacityTest {
    /** 20,000 phones sending an OPTIONS every second: 20,000 SIP transactions a second, more than 2 cores carry. */
    static final String OVERSIZE = "{\"name\":\"huge\",\"model\":\"V3\",\"count\":20000,\"firstUser\":800000,"
            + "\"password\":\"pw{user}\",\"rampPerSecond\":1,\"line\":{\"registerAddr\":\"127.0.0.9\","
            + "\"registerPort\":5999,\"keepAliveInterval\":1}}";

    @AfterEach
    void clean() {
        given().post("/api/reset").then().statusCode(200);
    }

    @Test
    void anOversizeFleetIsCreatedWithAWarningGivingTheProjectedLoadAndTheMeasuredCapacity() {
        given().contentType(ContentType.JSON).body(OVERSIZE).post("/api/fleets").then().statusCode(201)
                .body("warnings", hasSize(1))
                .body("warnings[0]", containsString("projected steady load 20,012 SIP transactions/s"))
                .body("warnings[0]", containsString("exceeds what this instance measured it can carry"))
                .body("warnings[0]", containsString("µs of CPU each"));
        given().get("/api/fleets/huge").then().statusCode(200).body("warnings", hasSize(1));
    }

    @Test
    void aFleetWithinCapacityHasNoWarning() {
        given().contentType(ContentType.JSON).body("{\"name\":\"tiny\",\"model\":\"V3\",\"count\":2,\"firstUser\":800000,"
                + "\"password\":\"pw{user}\",\"line\":{\"registerAddr\":\"127.0.0.9\",\"registerPort\":5999}}")
                .post("/api/fleets").then().statusCode(201).body("warnings", is((Object) null));
    }
}
