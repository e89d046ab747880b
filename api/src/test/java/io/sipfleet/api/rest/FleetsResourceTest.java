package io.sipfleet.api.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** POST/GET/DELETE /api/fleets and their errors (api.md). Nothing listens at the fleets' servers here. */
@QuarkusTest
class FleetsResourceTest {
    static final String LINE = "\"line\":{\"registerAddr\":\"127.0.0.9\",\"registerPort\":5999,"
            + "\"backupAddr\":\"127.0.0.10\",\"backupPort\":5999}";

    static String fleet(String name, int count) {
        return "{\"name\":\"" + name + "\",\"model\":\"V3\",\"count\":" + count
                + ",\"firstUser\":2001,\"password\":\"secret{user}\"," + LINE + "}";
    }

    @Test
    void aFleetIsCreatedListedAndDeleted() {
        given().contentType(ContentType.JSON).body(fleet("crud", 3)).post("/api/fleets")
                .then().statusCode(201).header("Location", endsWith("/api/fleets/crud"))
                .body("name", equalTo("crud")).body("count", equalTo(3)).body("model", equalTo("V3"))
                .body("line.password", equalTo("****")).body(not(containsString("secret")));
        given().get("/api/fleets/crud").then().statusCode(200).body("firstUser", equalTo(2001));
        given().get("/api/fleets").then().statusCode(200).body("name", org.hamcrest.Matchers.hasItem("crud"));
        given().delete("/api/fleets/crud").then().statusCode(204);
        given().get("/api/fleets/crud").then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString("crud"));
    }

    @Test
    void aTakenNameIs409AndTheFirstFleetIsUntouched() {
        given().contentType(ContentType.JSON).body(fleet("taken", 2)).post("/api/fleets").then().statusCode(201);
        given().contentType(ContentType.JSON).body(fleet("taken", 5)).post("/api/fleets")
                .then().statusCode(409).contentType("application/problem+json").body("status", equalTo(409))
                .body("detail", containsString("taken"));
        given().get("/api/fleets/taken").then().body("count", equalTo(2));
        given().delete("/api/fleets/taken").then().statusCode(204);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing count|{\"name\":\"a\",\"model\":\"V3\"," + LINE + "}|count",
            "count zero|{\"name\":\"a\",\"model\":\"V3\",\"count\":0," + LINE + "}|count",
            "count too big|{\"name\":\"a\",\"model\":\"V3\",\"count\":100001," + LINE + "}|count",
            "count wrong type|{\"name\":\"a\",\"model\":\"V3\",\"count\":\"ten\"," + LINE + "}|count",
            "unknown model|{\"name\":\"a\",\"model\":\"V9\",\"count\":1," + LINE + "}|model",
            "missing model|{\"name\":\"a\",\"count\":1," + LINE + "}|model",
            "bad name|{\"name\":\"a b\",\"model\":\"V3\",\"count\":1," + LINE + "}|name",
            "negative ramp|{\"name\":\"a\",\"model\":\"V3\",\"count\":1,\"rampPerSecond\":-1," + LINE + "}|rampPerSecond",
            "unknown field|{\"name\":\"a\",\"model\":\"V3\",\"count\":1,\"colour\":\"red\"," + LINE + "}|colour",
            "missing line|{\"name\":\"a\",\"model\":\"V3\",\"count\":1}|line",
            "port out of range|{\"name\":\"a\",\"model\":\"V3\",\"count\":1,\"line\":{\"registerAddr\":\"127.0.0.9\",\"registerPort\":70000}}|line.registerPort",
            "bad address|{\"name\":\"a\",\"model\":\"V3\",\"count\":1,\"line\":{\"registerAddr\":\"bad host!\"}}|line.registerAddr",
            "bad transport|{\"name\":\"a\",\"model\":\"V3\",\"count\":1,\"line\":{\"registerAddr\":\"127.0.0.9\",\"transport\":\"SCTP\"}}|line.transport",
            "bad transport code|{\"name\":\"a\",\"model\":\"V3\",\"count\":1,\"line\":{\"registerAddr\":\"127.0.0.9\",\"transport\":2}}|line.transport",
            "unknown line field|{\"name\":\"a\",\"model\":\"V3\",\"count\":1,\"line\":{\"registerAddr\":\"127.0.0.9\",\"colour\":1}}|line.colour",
            "negative retry counts|{\"name\":\"a\",\"model\":\"V3\",\"count\":1,\"line\":{\"registerAddr\":\"127.0.0.9\",\"signalRetryCounts\":-1}}|line.signalRetryCounts",
    })
    void badFleetsAre400NamingTheFieldAndCreateNothing(String why, String body, String field) {
        given().contentType(ContentType.JSON).body(body).post("/api/fleets")
                .then().statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400)).body("field", equalTo(field));
        given().get("/api/fleets/a").then().statusCode(404);
    }

    @Test
    void malformedJsonIs400() {
        given().contentType(ContentType.JSON).body("{\"name\":").post("/api/fleets")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("JSON"));
    }

    @Test
    void deletingAnUnknownFleetIs404() {
        given().delete("/api/fleets/nope").then().statusCode(404).contentType("application/problem+json");
    }
}
