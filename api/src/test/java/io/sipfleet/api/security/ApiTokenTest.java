package io.sipfleet.api.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With sipfleet.api.token set, /api needs the bearer token; /q stays open; binding beyond loopback needs a token. */
@QuarkusTest
@TestProfile(ApiTokenTest.WithToken.class)
class ApiTokenTest {
    static final String TOKEN = "s3cret-token-for-tests";

    public static class WithToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sipfleet.api.token", TOKEN);
        }
    }

    @Test
    void withoutTheTokenTheApiAnswers401AndSaysWhatIsNeeded() {
        given().get("/api/fleets").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("detail", containsString("Bearer")).body(not(containsString(TOKEN)));
        given().header("Authorization", "Bearer wrong").get("/api/fleets").then().statusCode(401);
        given().header("Authorization", "Basic " + TOKEN).get("/api/fleets").then().statusCode(401);
    }

    @Test
    void withTheTokenTheApiAnswers() {
        given().header("Authorization", "Bearer " + TOKEN).get("/api/fleets").then().statusCode(200);
        given().header("Authorization", "bearer " + TOKEN).get("/api/models").then().statusCode(200);
    }

    @Test
    void healthStaysOpenForProbes() {
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void bindingBeyondLoopbackWithoutATokenIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> ApiToken.requireTokenBeyondLoopback("0.0.0.0", false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("sipfleet.api.token");
        assertThatCode(() -> ApiToken.requireTokenBeyondLoopback("0.0.0.0", true)).doesNotThrowAnyException();
        assertThatCode(() -> ApiToken.requireTokenBeyondLoopback("127.0.0.1", false)).doesNotThrowAnyException();
        assertThatCode(() -> ApiToken.requireTokenBeyondLoopback("localhost", false)).doesNotThrowAnyException();
        assertThatCode(() -> ApiToken.requireTokenBeyondLoopback("::1", false)).doesNotThrowAnyException();
    }
}
