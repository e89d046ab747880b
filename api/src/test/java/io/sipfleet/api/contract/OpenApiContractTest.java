package io.sipfleet.api.contract;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The OpenAPI document lists every /api operation of the README's "Endpoints" table, and the UI answers. */
@QuarkusTest
class OpenApiContractTest {
    private static final Pattern OPERATION = Pattern.compile("`(GET|POST|PUT|DELETE) (/api/[^`\\s]*)`");

    /** The operations of the README's "Endpoints" section, in order: "POST /api/fleets", ... */
    static List<String> readmeOperations() throws IOException {
        Path readme = Path.of("../README.md");
        if (!Files.exists(readme)) {
            readme = Path.of("README.md");
        }
        String text = Files.readString(readme);
        int start = text.indexOf("\n## Endpoints");
        assertThat(start).as("README has an Endpoints section").isNotNegative();
        int end = text.indexOf("\n## ", start + 1);
        String section = text.substring(start, end < 0 ? text.length() : end);
        Set<String> ops = new LinkedHashSet<>();
        Matcher m = OPERATION.matcher(section);
        while (m.find()) {
            ops.add(m.group(1) + " " + m.group(2));
        }
        return new ArrayList<>(ops);
    }

    /** {@code /api/phones/{id}/lines/{n}} as {@code /api/phones/{}/lines/{}}: parameter names may differ. */
    private static String shape(String path) {
        return path.replaceAll("\\{[^}]*}", "{}");
    }

    @Test
    void everyApiOperationOfTheReadmeIsInTheOpenApiDocument() throws IOException {
        List<String> ops = readmeOperations();
        // the table as of this writing: if the parsing found fewer, it is broken, not the API
        assertThat(ops).contains("POST /api/fleets", "GET /api/fleets/{name}", "DELETE /api/fleets/{name}",
                "GET /api/phones", "GET /api/phones/{id}", "PUT /api/phones/{id}/lines/{n}",
                "POST /api/phones/{id}/hook", "POST /api/phones/{id}/keys", "POST /api/phones/{id}/lines/{n}/register",
                "GET /api/phones/{id}/events", "GET /api/servers", "GET /api/servers/{name}",
                "PUT /api/servers/{name}/availability", "POST /api/faults", "GET /api/faults", "GET /api/faults/{id}",
                "DELETE /api/faults/{id}", "POST /api/relays", "GET /api/relays", "GET /api/relays/{name}",
                "DELETE /api/relays/{name}", "POST /api/reset", "GET /api/models", "GET /api/models/{name}");
        Map<String, Map<String, Object>> paths = given().queryParam("format", "json").get("/q/openapi").then()
                .statusCode(200).contentType(containsString("json")).extract().jsonPath().getMap("paths");
        Map<String, Map<String, Object>> byShape = new java.util.HashMap<>();
        paths.forEach((p, item) -> byShape.put(shape(p), item));
        List<String> missing = new ArrayList<>();
        for (String op : ops) {
            String method = op.substring(0, op.indexOf(' ')).toLowerCase(Locale.ROOT);
            String path = op.substring(op.indexOf(' ') + 1);
            Map<String, Object> item = byShape.get(shape(path));
            if (item == null || !item.containsKey(method)) {
                missing.add(op);
            }
        }
        assertThat(missing).as("README operations missing from /q/openapi (paths there: %s)", paths.keySet())
                .isEmpty();
    }

    @Test
    void theOpenApiDocumentIsAlsoServedAsYaml() {
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/fleets"))
                .body(containsString("openapi:"));
    }

    @Test
    void theSwaggerUiAnswersAndLoadsTheDocument() {
        given().get("/q/swagger-ui").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("swagger-ui")).body(containsString("/q/openapi"));
        given().get("/q/swagger-ui/swagger-ui-bundle.js").then().statusCode(200);
    }
}
