package io.sipfleet.api.contract;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.contract.Contract.assertUnchanged;
import static io.sipfleet.api.contract.Contract.j;
import static io.sipfleet.api.contract.Contract.json;
import static io.sipfleet.api.contract.Contract.list;
import static io.sipfleet.api.contract.Contract.problem;
import static io.sipfleet.api.contract.Contract.send;
import static io.sipfleet.api.contract.Contract.world;
import static io.sipfleet.api.contract.Fixture.BUILTIN;
import static io.sipfleet.api.contract.Fixture.LINE;
import static io.sipfleet.api.contract.Fixture.PHONES;
import static io.sipfleet.api.contract.Fixture.fault;
import static io.sipfleet.api.contract.Fixture.fleet;
import static io.sipfleet.api.contract.Fixture.line;
import static io.sipfleet.api.contract.Fixture.relay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sipfleet.api.contract.Fixture.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Contract cases the service once got wrong (found by these tests, then fixed): content after the body,
 * fractions and scalars of another JSON type where numbers, booleans or strings are expected, numbers
 * out of their type's range, query parameters that do not convert, a page past the int range, reset's
 * keepFleets, a relay on the wildcard address, an external server read by name, a taken fault name,
 * phone ids with leading zeros. Each test states the contract (api.md "Errors", README "Endpoints").
 */
@QuarkusTest
class ContractBugsTest {

    @BeforeEach
    void fixture() {
        Fixture.build();
    }

    @AfterEach
    void clean() {
        Contract.reset();
    }

    private static Arguments row(String why, String method, String path, String body, String field) {
        return Arguments.of(why, method, path, body, field);
    }

    private static void refusedAndNothingChanged(String method, String path, String body, String field) {
        Map<String, Object> before = world(PHONES);
        problem(send(method, path, body), 400, field);
        assertUnchanged(before, PHONES);
    }

    // ---- JSON reading -----------------------------------------------------------------------------

    static Stream<Arguments> trailingContent() {
        List<Arguments> out = new ArrayList<>();
        for (Endpoint e : Fixture.WITH_BODY) {
            out.add(Arguments.of(e + ": a second object", e, e.valid() + " {}"));
            out.add(Arguments.of(e + ": a stray brace", e, e.valid() + "}"));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trailingContent")
    void contentAfterTheBodyIsMalformedJson(String why, Endpoint e, String body) {
        refusedAndNothingChanged(e.method(), e.path(), body, null);
    }

    static Stream<Arguments> fractions() {
        return Stream.of(
                row("fleet: count 2.5", "POST", "/api/fleets", fleet(Map.of("count", "2.5")), "count"),
                row("fleet: firstUser 5021.5", "POST", "/api/fleets", fleet(Map.of("firstUser", "5021.5")), "firstUser"),
                row("fleet: line.registerPort 5999.5", "POST", "/api/fleets",
                        fleet(Map.of("line.registerPort", "5999.5")), "line.registerPort"),
                row("line: registerTtl 600.5", "PUT", LINE.path(), line(Map.of("registerTtl", "600.5")), "registerTtl"),
                row("line: transport 1.5", "PUT", LINE.path(), line(Map.of("transport", "1.5")), "transport"),
                row("line: backupTransport 0.9", "PUT", LINE.path(), line(Map.of("backupTransport", "0.9")),
                        "backupTransport"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fractions")
    void aFractionInAWholeNumberFieldIs400(String why, String method, String path, String body, String field) {
        refusedAndNothingChanged(method, path, body, field);
    }

    static Stream<Arguments> coercions() {
        return Stream.of(
                row("fleet: count \"1\"", "POST", "/api/fleets", fleet(Map.of("count", "\"1\"")), "count"),
                row("fleet: name 12", "POST", "/api/fleets", fleet(Map.of("name", "12")), "name"),
                row("fleet: autoAnswer 1", "POST", "/api/fleets", fleet(Map.of("autoAnswer", "1")), "autoAnswer"),
                row("fleet: autoAnswer \"true\"", "POST", "/api/fleets", fleet(Map.of("autoAnswer", "\"true\"")),
                        "autoAnswer"),
                row("fleet: line.registerPort \"5999\"", "POST", "/api/fleets",
                        fleet(Map.of("line.registerPort", "\"5999\"")), "line.registerPort"),
                row("line: registerTtl \"600\"", "PUT", LINE.path(), line(Map.of("registerTtl", "\"600\"")),
                        "registerTtl"),
                row("line: displayName 7", "PUT", LINE.path(), line(Map.of("displayName", "7")), "displayName"),
                row("availability: mode 503", "PUT", BUILTIN.path(), j("{'mode':503}"), "mode"),
                row("fault: durationSeconds \"10\"", "POST", "/api/faults", fault(Map.of("durationSeconds", "\"10\"")),
                        "durationSeconds"),
                row("fault: probability \"0.5\"", "POST", "/api/faults", fault(Map.of("probability", "\"0.5\"")),
                        "probability"),
                row("relay: name 5", "POST", "/api/relays", relay(Map.of("name", "5")), "name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("coercions")
    void aScalarOfAnotherJsonTypeIsNotCoerced(String why, String method, String path, String body, String field) {
        refusedAndNothingChanged(method, path, body, field);
    }

    static Stream<Arguments> tooBig() {
        return Stream.of(
                row("fleet: count 99999999999", "POST", "/api/fleets", fleet(Map.of("count", "99999999999")), "count"),
                row("fleet: firstUser 99999999999999999999", "POST", "/api/fleets",
                        fleet(Map.of("firstUser", "99999999999999999999")), "firstUser"),
                row("fleet: line.registerTtl 3000000000", "POST", "/api/fleets",
                        fleet(Map.of("line.registerTtl", "3000000000")), "line.registerTtl"),
                row("line: registerPort 99999999999", "PUT", LINE.path(), line(Map.of("registerPort", "99999999999")),
                        "registerPort"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tooBig")
    void aNumberTooBigForItsFieldIs400NamingIt(String why, String method, String path, String body, String field) {
        refusedAndNothingChanged(method, path, body, field);
    }

    // ---- query parameters -------------------------------------------------------------------------

    static Stream<Arguments> queryTypes() {
        return Stream.of(
                row("page=abc", "GET", "/api/phones?page=abc", null, "page"),
                row("page=1.5", "GET", "/api/phones?page=1.5", null, "page"),
                row("size=abc", "GET", "/api/phones?size=abc", null, "size"),
                row("since=abc", "GET", "/api/phones/ctf-1/events?since=abc", null, "since"),
                row("since=1.5e3", "GET", "/api/phones/ctf-1/events?since=1.5e3", null, "since"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("queryTypes")
    void aQueryParameterOfTheWrongTypeIs400NamingIt(String why, String method, String path, String body,
                                                    String field) {
        refusedAndNothingChanged(method, path, body, field);
    }

    @Test
    void aPagePastTheIntRangeIsAnEmptyPageNotA500() {
        Response r = given().queryParam("fleet", "ctf").queryParam("page", 2147484).queryParam("size", 1000)
                .get("/api/phones");
        assertThat(r.statusCode()).as(r.asString()).isIn(200, 400);
        if (r.statusCode() == 200) {
            r.then().body("items", empty()).body("total", equalTo(2));
        } else {
            problem(r, 400, "page");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"maybe", "yes", "1"})
    void aResetWhoseKeepFleetsIsNotABooleanIsRefusedAndDeletesNothing(String keepFleets) {
        Map<String, Object> before = world(PHONES);
        problem(given().queryParam("keepFleets", keepFleets).post("/api/reset"), 400, "keepFleets");
        assertUnchanged(before, PHONES);
    }

    @Test
    void aResetWithAJsonBodyDoesNotIgnoreIt() {
        Response r = json(j("{'keepFleets':true}")).post("/api/reset");
        if (r.statusCode() >= 400) {
            problem(r, r.statusCode(), null);
        }
        given().get("/api/fleets/ctf").then().statusCode(200);
    }

    // ---- relays -----------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0:0", "[::]:0"})
    void aRelayOnTheWildcardAddressIs400NamingListen(String listen) {
        refusedAndNothingChanged("POST", "/api/relays", relay(Map.of("listen", "\"" + listen + "\"")), "listen");
    }

    // ---- servers ----------------------------------------------------------------------------------

    @Test
    void anExternalServerThatTheListShowsIsReadByName() {
        assertThat(list("/api/servers")).extracting(s -> s.get("name")).contains("127.0.0.9:5999");
        given().get("/api/servers/127.0.0.9:5999").then().statusCode(200).body("name", equalTo("127.0.0.9:5999"))
                .body("address", equalTo("127.0.0.9:5999")).body("builtin", equalTo(false))
                .body("mode", equalTo("up"));
        json(j("{'mode':'silent'}")).put("/api/servers/127.0.0.9:5999/availability").then().statusCode(200);
        given().get("/api/servers/127.0.0.9:5999").then().statusCode(200).body("mode", equalTo("silent"));
    }

    // ---- faults -----------------------------------------------------------------------------------

    @Test
    void aTakenFaultNameIs409() {
        Map<String, Object> before = world(PHONES);
        problem(json(fault(Map.of("name", "\"ctfault\""))).post("/api/faults"), 409, null, "ctfault");
        assertUnchanged(before, PHONES);
    }

    // ---- phone ids --------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"ctf-01", "ctf-+1", "ctf-001"})
    void aPhoneIdIsNotReadWithLeadingZerosOrASign(String id) {
        Map<String, Object> before = world(PHONES);
        problem(given().get("/api/phones/" + id), 404, null, id);
        problem(json(j("{'state':'off'}")).post("/api/phones/" + id + "/hook"), 404, null, id);
        assertUnchanged(before, PHONES);
    }
}
