package io.sipfleet.api.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GET /api/servers and PUT /api/servers/{name}/availability for the built-in servers. */
@QuarkusTest
class ServersResourceTest {

    @AfterEach
    void up() {
        for (String s : new String[] {"primary", "backup"}) {
            given().contentType(ContentType.JSON).body("{\"mode\":\"up\"}").put("/api/servers/" + s + "/availability");
        }
    }

    @Test
    void theBuiltInServersAreListedWithTheirMode() {
        given().get("/api/servers").then().statusCode(200)
                .body("name", hasItems("primary", "backup"))
                .body("find { it.name == 'primary' }.address", equalTo("127.0.0.2:15060"))
                .body("find { it.name == 'primary' }.builtin", equalTo(true))
                .body("find { it.name == 'backup' }.mode", equalTo("up"));
    }

    @Test
    void availabilityIsSetPerServer() {
        for (String mode : new String[] {"503", "500", "silent", "down", "up"}) {
            given().contentType(ContentType.JSON).body("{\"mode\":\"" + mode + "\"}")
                    .put("/api/servers/backup/availability").then().statusCode(200).body("mode", equalTo(mode));
            given().get("/api/servers/backup").then().body("mode", equalTo(mode));
        }
    }

    @Test
    void badAvailabilityRequestsAreRefused() {
        given().contentType(ContentType.JSON).body("{\"mode\":\"sleeping\"}").put("/api/servers/primary/availability")
                .then().statusCode(400).contentType("application/problem+json").body("field", equalTo("mode"));
        given().contentType(ContentType.JSON).body("{}").put("/api/servers/primary/availability")
                .then().statusCode(400).body("field", equalTo("mode"));
        given().contentType(ContentType.JSON).body("{\"mode\":\"up\",\"extra\":1}").put("/api/servers/primary/availability")
                .then().statusCode(400).body("field", equalTo("extra"));
        given().get("/api/servers/primary").then().body("mode", equalTo("up"));
        given().contentType(ContentType.JSON).body("{\"mode\":\"down\"}").put("/api/servers/tertiary/availability")
                .then().statusCode(404).body("detail", containsString("primary"));
        given().contentType(ContentType.JSON).body("{\"mode\":\"sleepy\"}").put("/api/servers/127.0.0.9:5060/availability")
                .then().statusCode(400).contentType("application/problem+json").body("field", org.hamcrest.Matchers.is("mode"));
        given().contentType(ContentType.JSON).body("{\"mode\":\"down\"}").put("/api/servers/no.such.host.invalid:5060/availability")
                .then().statusCode(404).contentType("application/problem+json");
    }
}
