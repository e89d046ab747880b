package io.sipfleet.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ModelsResourceTest {

    @Test
    void listsEveryModelWithItsBudgetKindAndLineCount() {
        given()
            .when().get("/api/models")
            .then()
            .statusCode(200)
            .contentType(startsWith("application/json"))
            .body("$", hasSize(2))
            .body("find { it.name == 'V2' }.lineCount", equalTo(2))
            .body("find { it.name == 'V2' }.budgetKind", equalTo("DURATION"))
            .body("find { it.name == 'V3' }.lineCount", equalTo(6))
            .body("find { it.name == 'V3' }.budgetKind", equalTo("RETRANSMISSIONS"));
    }

    @Test
    void answersOneModelByName() {
        given()
            .when().get("/api/models/V3")
            .then()
            .statusCode(200)
            .contentType(startsWith("application/json"))
            .body("name", equalTo("V3"))
            .body("budgetKind", equalTo("RETRANSMISSIONS"))
            .body("lineCount", equalTo(6));
    }

    @Test
    void unknownModelIsA404ProblemNamingTheModel() {
        given()
            .when().get("/api/models/V9")
            .then()
            .statusCode(404)
            .contentType(startsWith("application/problem+json"))
            .body("type", equalTo("about:blank"))
            .body("title", equalTo("Not Found"))
            .body("status", equalTo(404))
            .body("detail", containsString("V9"));
    }

    @Test
    void servesTheDashboardPageFromTheDashboardsModule() {
        given()
            .when().get("/dashboards/index.html")
            .then()
            .statusCode(200)
            .contentType(startsWith("text/html"))
            .body(containsString("<title>sipfleet · fleet overview</title>"));
    }
}
