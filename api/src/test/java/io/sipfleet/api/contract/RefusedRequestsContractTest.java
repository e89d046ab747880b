package io.sipfleet.api.contract;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.contract.Contract.assertUnchanged;
import static io.sipfleet.api.contract.Contract.j;
import static io.sipfleet.api.contract.Contract.json;
import static io.sipfleet.api.contract.Contract.problem;
import static io.sipfleet.api.contract.Contract.send;
import static io.sipfleet.api.contract.Contract.world;
import static io.sipfleet.api.contract.Fixture.BUILTIN;
import static io.sipfleet.api.contract.Fixture.EXTERNAL;
import static io.sipfleet.api.contract.Fixture.HOOK;
import static io.sipfleet.api.contract.Fixture.KEYS;
import static io.sipfleet.api.contract.Fixture.LINE;
import static io.sipfleet.api.contract.Fixture.PHONES;
import static io.sipfleet.api.contract.Fixture.WITH_BODY;
import static io.sipfleet.api.contract.Fixture.chars;
import static io.sipfleet.api.contract.Fixture.fault;
import static io.sipfleet.api.contract.Fixture.fleet;
import static io.sipfleet.api.contract.Fixture.line;
import static io.sipfleet.api.contract.Fixture.relay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.sipfleet.api.contract.Fixture.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The refusal matrix (api.md "Errors", README "Endpoints"): every endpoint × malformed JSON, unknown
 * field, wrong type, out-of-range value, unknown id and taken name. Each refusal is an
 * {@code application/problem+json} with the status, the {@code field} naming the bad input, and
 * changes nothing: fleets, phones (configuration, hook, commands), faults, relays and servers are
 * compared before and after.
 */
@QuarkusTest
class RefusedRequestsContractTest {
    /** Where the application answers, for the last reset (Quarkus sets RestAssured up only around each test). */
    private static String baseUri;
    private static int port;

    /** Set once this test showed that nothing changed: the fixture's fleets can then serve the next test. */
    private boolean unchanged;

    @BeforeEach
    void fixture() {
        baseUri = RestAssured.baseURI;
        port = RestAssured.port;
        Fixture.build();
    }

    /**
     * After a test that showed nothing changed, faults, relays and server modes are reset and the two
     * fleets kept (deleting a fleet takes 4*T1 + 200 ms, and this matrix has hundreds of cases);
     * after any other test, everything is reset.
     */
    @AfterEach
    void clean() {
        given().queryParam("keepFleets", unchanged).post("/api/reset").then()
                .statusCode(200);
    }

    @AfterAll
    static void cleanUp() {
        given().baseUri(baseUri).port(port).post("/api/reset").then().statusCode(200);
    }

    /** method, path, body (null: none), status, field (null: not checked). */
    private static Arguments row(String why, String method, String path, String body, int status, String field) {
        return Arguments.of(why, method, path, body, status, field);
    }

    private void refusedAndNothingChanged(String method, String path, String body, int status, String field) {
        Map<String, Object> before = world(PHONES);
        problem(send(method, path, body), status, field);
        assertUnchanged(before, PHONES);
        unchanged = true;
    }

    // ---- the bodies the matrix varies are good ones ------------------------------------------------

    /** ... and what each of them does shows in the snapshot, so that "nothing changed" means something. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("withBody")
    void everyValidBodyOfTheMatrixIsAcceptedAndItsEffectShows(Endpoint e) {
        Map<String, Object> before = world(PHONES);
        int status = send(e.method(), e.path(), e.valid()).statusCode();
        assertThat(status).as(e.label() + " " + e.valid()).isBetween(200, 299);
        assertThat(world(PHONES)).isNotEqualTo(before);
    }

    static Stream<Endpoint> withBody() {
        return WITH_BODY.stream();
    }

    // ---- malformed JSON ---------------------------------------------------------------------------

    static Stream<Arguments> malformed() {
        List<Arguments> out = new ArrayList<>();
        for (Endpoint e : WITH_BODY) {
            String v = e.valid();
            String open = v.substring(0, v.length() - 1);
            out.add(Arguments.of(e + ": truncated", e, open));
            out.add(Arguments.of(e + ": trailing comma", e, open + ",}"));
            out.add(Arguments.of(e + ": single quotes", e, v.replace('"', '\'')));
            out.add(Arguments.of(e + ": not JSON", e, "mode=up&state=off"));
            out.add(Arguments.of(e + ": unclosed string", e, v.substring(0, 5)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedJsonIs400AndChangesNothing(String why, Endpoint e, String body) {
        Map<String, Object> before = world(PHONES);
        problem(send(e.method(), e.path(), body), 400, null).body("detail", containsString("JSON"));
        assertUnchanged(before, PHONES);
        unchanged = true;
    }

    static Stream<Arguments> noBody() {
        List<Arguments> out = new ArrayList<>();
        for (Endpoint e : WITH_BODY) {
            out.add(Arguments.of(e + ": empty", e, ""));
            out.add(Arguments.of(e + ": null", e, "null"));
            out.add(Arguments.of(e + ": an array", e, "[" + e.valid() + "]"));
            out.add(Arguments.of(e + ": a string", e, "\"up\""));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("noBody")
    void aMissingBodyOrOneThatIsNotAnObjectIs400AndChangesNothing(String why, Endpoint e, String body) {
        refusedAndNothingChanged(e.method(), e.path(), body, 400, null);
    }

    // ---- unknown fields ---------------------------------------------------------------------------

    static Stream<Arguments> unknownFields() {
        List<Arguments> out = new ArrayList<>();
        for (Endpoint e : WITH_BODY) {
            out.add(row(e + ": first", e.method(), e.path(), e.valid().replaceFirst("\\{", "{\"colour\":\"red\","),
                    400, "colour"));
            out.add(row(e + ": last", e.method(), e.path(),
                    e.valid().substring(0, e.valid().length() - 1) + ",\"Mode\":1}", 400, "Mode"));
        }
        out.add(row("fleet: in line", "POST", "/api/fleets", fleet(Map.of("line.colour", "1")), 400, "line.colour"));
        out.add(row("fleet: in line.extraServers[0]", "POST", "/api/fleets",
                fleet(Map.of("line.extraServers", j("[{'address':'127.0.0.14','colour':1}]"))), 400,
                "line.extraServers[0].colour"));
        out.add(row("fleet: a line item in the wrong case", "POST", "/api/fleets",
                fleet(Map.of("line.RegisterTtl", "60")), 400, "line.RegisterTtl"));
        out.add(row("fleet: snake_case", "POST", "/api/fleets", fleet(Map.of("first_user", "5021")), 400,
                "first_user"));
        out.add(row("line: in extraServers[1]", "PUT", LINE.path(), line(Map.of("backupAddr", "\"127.0.0.10\"",
                "extraServers", j("[{'address':'127.0.0.14'},{'address':'127.0.0.15','colour':1}]"))), 400,
                "extraServers[1].colour"));
        out.add(row("line: a fleet member", "PUT", LINE.path(), line(Map.of("count", "2")), 400, "count"));
        out.add(row("fault: unknown param", "POST", "/api/faults",
                fault(Map.of("type", "\"delay\"", "params", j("{'ms':5,'jitter':1}"))), 400, "params.jitter"));
        out.add(row("keys: a second member", "POST", KEYS.path(), j("{'keys':'12','key':'3'}"), 400, "key"));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownFields")
    void anUnknownFieldIs400NamingItAndChangesNothing(String why, String method, String path, String body, int status,
                                                      String field) {
        refusedAndNothingChanged(method, path, body, status, field);
    }

    // ---- wrong types ------------------------------------------------------------------------------

    static Stream<Arguments> wrongTypes() {
        List<Arguments> out = new ArrayList<>();
        String[][] fleet = {
                {"count", "true"}, {"count", "{}"}, {"firstUser", "\"many\""}, {"rampPerSecond", "\"fast\""},
                {"autoAnswer", "\"yes\""}, {"autoAnswerDelay", "[1]"}, {"password", "{}"}, {"authUser", "[]"},
                {"name", "[]"}, {"model", "{}"}, {"line", "[]"}, {"line", "\"127.0.0.9\""},
                {"line.registerPort", "\"x\""}, {"line.registerTtl", "false"}, {"line.extraServers", "{}"},
                {"line.extraServers", "[5]"}, {"line.enableFailback", "\"yes\""}, {"line.transport", "true"},
                {"line.registerAddr", "{}"}};
        for (String[] f : fleet) {
            out.add(row("fleet: " + f[0] + " " + f[1], "POST", "/api/fleets", fleet(Map.of(f[0], f[1])), 400,
                    f[1].equals("[5]") ? "line.extraServers[0]" : f[0]));
        }
        String[][] line = {
                {"registerPort", "true"}, {"registerAddr", "[]"}, {"extraServers", "\"x\""},
                {"enableFailback", "\"sometimes\""}, {"transport", "{}"}, {"backupTransport", "[]"},
                {"backupTtl", "\"long\""}, {"displayName", "{}"}, {"keepAliveInterval", "\"often\""},
                {"signalRetryCounts", "[3]"}};
        for (String[] f : line) {
            out.add(row("line: " + f[0] + " " + f[1], "PUT", LINE.path(), line(Map.of(f[0], f[1])), 400, f[0]));
        }
        out.add(row("hook: state []", "POST", HOOK.path(), j("{'state':[]}"), 400, "state"));
        out.add(row("hook: state {}", "POST", HOOK.path(), j("{'state':{'off':true}}"), 400, "state"));
        out.add(row("hook: state true", "POST", HOOK.path(), j("{'state':true}"), 400, "state"));
        out.add(row("keys: a number", "POST", KEYS.path(), j("{'keys':5}"), 400, "keys"));
        out.add(row("keys: an object", "POST", KEYS.path(), j("{'keys':{'a':1}}"), 400, "keys"));
        out.add(row("keys: true", "POST", KEYS.path(), j("{'keys':true}"), 400, "keys"));
        out.add(row("keys: a number in the list", "POST", KEYS.path(), j("{'keys':['1',2]}"), 400, "keys[1]"));
        out.add(row("keys: a list in the list", "POST", KEYS.path(), j("{'keys':[['1']]}"), 400, "keys[0]"));
        for (Endpoint e : List.of(BUILTIN, EXTERNAL)) {
            out.add(row(e + ": mode {}", e.method(), e.path(), j("{'mode':{'up':1}}"), 400, "mode"));
            out.add(row(e + ": mode []", e.method(), e.path(), j("{'mode':['up']}"), 400, "mode"));
            out.add(row(e + ": mode true", e.method(), e.path(), j("{'mode':true}"), 400, "mode"));
        }
        String[][] fault = {
                {"probability", "\"half\""}, {"probability", "[0.5]"}, {"durationSeconds", "true"},
                {"startDelaySeconds", "{}"}, {"params", "[1]"}, {"params", "\"ms=5\""}, {"methods", "\"REGISTER\""},
                {"methods", "[[\"REGISTER\"]]"}, {"phones", "5"}, {"phones", "[\"ctf-1\"]"}, {"name", "[]"},
                {"target", "{}"}, {"type", "[\"blackhole\"]"}, {"direction", "{}"}};
        for (String[] f : fault) {
            out.add(row("fault: " + f[0] + " " + f[1], "POST", "/api/faults", fault(Map.of(f[0], f[1])), 400,
                    f[0].equals("methods") && f[1].startsWith("[[") ? "methods[0]" : f[0]));
        }
        out.add(row("fault: phones.ids a number", "POST", "/api/faults",
                fault(Map.of("phones", j("{'ids':[5]}"))), 400, "phones.ids"));
        out.add(row("fault: phones.seed a string", "POST", "/api/faults",
                fault(Map.of("phones", j("{'sample':5,'seed':'x'}"))), 400, "phones.seed"));
        out.add(row("fault: params.ms a string", "POST", "/api/faults",
                fault(Map.of("type", "\"delay\"", "params", j("{'ms':'soon'}"))), 400, "params.ms"));
        for (String[] f : new String[][] {{"upstream", "{}"}, {"upstream", "[\"primary\"]"}, {"listen", "[]"},
                {"name", "{}"}}) {
            out.add(row("relay: " + f[0] + " " + f[1], "POST", "/api/relays", relay(Map.of(f[0], f[1])), 400, f[0]));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongTypes")
    void aWrongTypeIs400NamingTheFieldAndChangesNothing(String why, String method, String path, String body,
                                                        int status, String field) {
        refusedAndNothingChanged(method, path, body, status, field);
    }

    // ---- out-of-range values ----------------------------------------------------------------------

    static Stream<Arguments> outOfRange() {
        List<Arguments> out = new ArrayList<>();
        String[][] fleet = {
                {"count", "0", "count"}, {"count", "-3", "count"}, {"firstUser", "-1", "firstUser"},
                {"firstUser", "999999999999", "firstUser"}, {"rampPerSecond", "100001", "rampPerSecond"},
                {"rampPerSecond", "-0.5", "rampPerSecond"}, {"autoAnswerDelay", "-0.5", "autoAnswerDelay"},
                {"autoAnswerDelay", "3601", "autoAnswerDelay"}, {"name", chars(41), "name"}, {"name", "\"\"", "name"},
                {"name", "\"-ct\"", "name"}, {"model", "\"V4\"", "model"},
                {"line.registerPort", "65536", "line.registerPort"}, {"line.registerPort", "0", "line.registerPort"},
                {"line.backupPort", "0", "line.backupPort"}, {"line.registerTtl", "0", "line.registerTtl"},
                {"line.backupTtl", "2678401", "line.backupTtl"}, {"line.failbackInterval", "0", "line.failbackInterval"},
                {"line.signalRetryCounts", "11", "line.signalRetryCounts"},
                {"line.signalRetryDuration", "3601", "line.signalRetryDuration"},
                {"line.keepAliveInterval", "-1", "line.keepAliveInterval"},
                {"line.registerRetryInterval", "0", "line.registerRetryInterval"},
                {"line.extraServers", "[{\"address\":\"127.0.0.14\",\"port\":65536}]", "line.extraServers"},
                {"line.extraServers", "[{\"address\":\"127.0.0.14\",\"ttl\":0}]", "line.extraServers"},
                {"line.displayName", chars(129), "line.displayName"},
                {"line.enableFailback", "2", "line.enableFailback"}, {"line.transport", "2", "line.transport"},
                {"line.backupTransport", "\"SCTP\"", "line.backupTransport"},
                {"line.registerAddr", "\"300.0.0.1\"", "line.registerAddr"},
                {"line.domain", "\"bad domain\"", "line.domain"},
                {"line.registerAddr", "\"\"", "line.registerAddr"}};
        for (String[] f : fleet) {
            out.add(row("fleet: " + f[0] + " " + f[1], "POST", "/api/fleets", fleet(Map.of(f[0], f[1])), 400, f[2]));
        }
        String[][] line = {
                {"registerPort", "65536"}, {"backupPort", "-1"}, {"registerTtl", "2678401"}, {"backupTtl", "0"},
                {"failbackInterval", "2678401"}, {"signalRetryCounts", "-1"}, {"signalRetryDuration", "0"},
                {"keepAliveInterval", "2678401"}, {"registerRetryInterval", "0"}, {"enableFailback", "2"},
                {"enableFailback", "0.5"}, {"transport", "2"}, {"backupTransport", "4"}, {"transport", "\"SIP\""},
                {"displayName", chars(129)}, {"registerAddr", "\"bad host!\""}, {"domain", "\"-\""},
                {"authUser", "\"a b\""}, {"user", "\"\""}};
        for (String[] f : line) {
            out.add(row("line: " + f[0] + " " + f[1], "PUT", LINE.path(), line(Map.of(f[0], f[1])), 400, f[0]));
        }
        out.add(row("line: server3's ttl", "PUT", LINE.path(), line(Map.of("extraServers",
                j("[{'address':'127.0.0.14','ttl':0}]"))), 400, "extraServers"));
        out.add(row("line: server3 without an address", "PUT", LINE.path(), line(Map.of("extraServers",
                j("[{'port':5999}]"))), 400, "extraServers[0].address"));
        out.add(row("line: server3 without a backup", "PUT", "/api/phones/ctf-1/lines/1", line(Map.of("backupAddr",
                "\"\"", "extraServers", j("[{'address':'127.0.0.14'}]"))), 400, "backupAddr"));
        out.add(row("line: a server on a line without a user", "PUT", "/api/phones/ctf-1/lines/2",
                j("{'registerAddr':'127.0.0.9'}"), 400, "user"));
        out.add(row("phones: page -1", "GET", "/api/phones?page=-1", null, 400, "page"));
        out.add(row("phones: size 1001", "GET", "/api/phones?size=1001", null, 400, "size"));
        out.add(row("phones: size -1", "GET", "/api/phones?size=-1", null, 400, "size"));
        out.add(row("phones: unknown state", "GET", "/api/phones?state=asleep", null, 400, "state"));
        out.add(row("keys: LINE7 of a V3", "POST", KEYS.path(), j("{'keys':['LINE7']}"), 400, "keys"));
        out.add(row("keys: LINE7 after a good key", "POST", KEYS.path(), j("{'keys':['1','LINE7']}"), 400, "keys[1]"));
        out.add(row("keys: LINE2 of a V2 without a server", "POST", "/api/phones/ctv-1/keys",
                j("{'keys':['1','LINE2']}"), 400, "keys[1]"));
        out.add(row("keys: LINE100", "POST", KEYS.path(), j("{'keys':['LINE100']}"), 400, "keys[0]"));
        out.add(row("keys: LINE0", "POST", KEYS.path(), j("{'keys':['1','LINE0']}"), 400, "keys[1]"));
        out.add(row("keys: a letter in the dial string", "POST", KEYS.path(), j("{'keys':'12a'}"), 400, "keys"));
        out.add(row("keys: an empty dial string", "POST", KEYS.path(), j("{'keys':''}"), 400, "keys"));
        out.add(row("keys: an empty list", "POST", KEYS.path(), j("{'keys':[]}"), 400, "keys"));
        out.add(row("hook: OFF", "POST", HOOK.path(), j("{'state':'OFF'}"), 400, "state"));
        out.add(row("hook: no state", "POST", HOOK.path(), "{}", 400, "state"));
        out.add(row("register: line 2 of a V2 without a server", "POST", "/api/phones/ctv-1/lines/2/register", null,
                400, "line"));
        for (Endpoint e : List.of(BUILTIN, EXTERNAL)) {
            out.add(row(e + ": mode 404", e.method(), e.path(), j("{'mode':'404'}"), 400, "mode"));
            out.add(row(e + ": no mode", e.method(), e.path(), "{}", 400, "mode"));
        }
        String[][] fault = {
                {"probability", "1.0000001", "probability"}, {"probability", "-0.0001", "probability"},
                {"durationSeconds", "0", "durationSeconds"}, {"durationSeconds", "0.0004", "durationSeconds"},
                {"durationSeconds", "-5", "durationSeconds"}, {"startDelaySeconds", "-0.5", "startDelaySeconds"},
                {"phones", "{\"sample\":100.5}", "phones.sample"}, {"phones", "{\"sample\":-1}", "phones.sample"},
                {"name", chars(65), "name"}, {"name", "\"-x\"", "name"}, {"type", "\"gremlins\"", "type"},
                {"target", "\"127.0.0.9:70000\"", "target"}, {"direction", "\"up\"", "direction"},
                {"methods", "[\"\"]", "methods[0]"}, {"phones", "{\"fleet\":\"ctf\",\"model\":\"V3\"}", "phones"}};
        for (String[] f : fault) {
            out.add(row("fault: " + f[0] + " " + f[1], "POST", "/api/faults", fault(Map.of(f[0], f[1])), 400, f[2]));
        }
        out.add(row("fault: delay ms 600001", "POST", "/api/faults",
                fault(Map.of("type", "\"delay\"", "params", "{\"ms\":600001}")), 400, "params.ms"));
        out.add(row("fault: delay ms -1", "POST", "/api/faults",
                fault(Map.of("type", "\"delay\"", "params", "{\"ms\":-1}")), 400, "params.ms"));
        out.add(row("fault: respond status 299", "POST", "/api/faults",
                fault(Map.of("type", "\"respond\"", "params", "{\"status\":299}")), 400, "params.status"));
        out.add(row("fault: respond status 700", "POST", "/api/faults",
                fault(Map.of("type", "\"respond\"", "params", "{\"status\":700}")), 400, "params.status"));
        out.add(row("fault: respond from-server", "POST", "/api/faults", fault(Map.of("type", "\"respond\"",
                "params", "{\"status\":503}", "direction", "\"from-server\"")), 400, "direction"));
        for (String[] f : new String[][] {{"listen", "\"127.0.0.1:65536\""}, {"listen", "\"127.0.0.1:-1\""},
                {"listen", "\"127.0.0.1\""}, {"listen", "\":5999\""}, {"name", chars(65)}, {"name", "\"a b\""},
                {"upstream", "\"tertiary\""}, {"upstream", "\"127.0.0.9:0\""}}) {
            out.add(row("relay: " + f[0] + " " + f[1], "POST", "/api/relays", relay(Map.of(f[0], f[1])), 400, f[0]));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outOfRange")
    void anOutOfRangeValueIs400NamingTheFieldAndChangesNothing(String why, String method, String path, String body,
                                                               int status, String field) {
        refusedAndNothingChanged(method, path, body, status, field);
    }

    /** Two bad items: both are named in the detail, the first in {@code field}, and neither is applied. */
    @Test
    void everyBadLineItemIsNamedAndNoneIsApplied() {
        Map<String, Object> before = world(PHONES);
        problem(json(j("{'registerPort':0,'registerTtl':0,'displayName':'changed'}")).put(LINE.path()), 400,
                "registerPort").body("detail", containsString("registerTtl"));
        assertUnchanged(before, PHONES);
        unchanged = true;
    }

    // ---- unknown ids ------------------------------------------------------------------------------

    static Stream<Arguments> unknownIds() {
        String hook = HOOK.valid();
        return Stream.of(
                row("GET fleet", "GET", "/api/fleets/ctnope", null, 404, "ctnope"),
                row("DELETE fleet", "DELETE", "/api/fleets/ctnope", null, 404, "ctnope"),
                row("GET phone of no fleet", "GET", "/api/phones/ctnope-1", null, 404, "ctnope-1"),
                row("GET phone past the count", "GET", "/api/phones/ctf-3", null, 404, "ctf-3"),
                row("GET phone 0", "GET", "/api/phones/ctf-0", null, 404, "ctf-0"),
                row("GET a fleet's name as a phone", "GET", "/api/phones/ctf", null, 404, "ctf"),
                row("GET phone -1", "GET", "/api/phones/ctf--1", null, 404, "ctf--1"),
                row("PUT line of no phone", "PUT", "/api/phones/ctnope-1/lines/1", LINE.valid(), 404, "ctnope-1"),
                row("PUT line 7 of a V3", "PUT", "/api/phones/ctf-1/lines/7", LINE.valid(), 404, "line 7"),
                row("PUT line 3 of a V2", "PUT", "/api/phones/ctv-1/lines/3", LINE.valid(), 404, "line 3"),
                row("PUT line 0", "PUT", "/api/phones/ctf-1/lines/0", LINE.valid(), 404, "line 0"),
                row("PUT line -1", "PUT", "/api/phones/ctf-1/lines/-1", LINE.valid(), 404, "line -1"),
                row("POST hook of no phone", "POST", "/api/phones/ctnope-1/hook", hook, 404, "ctnope-1"),
                row("POST keys of no phone", "POST", "/api/phones/ctf-3/keys", KEYS.valid(), 404, "ctf-3"),
                row("POST register of no phone", "POST", "/api/phones/ctnope-1/lines/1/register", null, 404,
                        "ctnope-1"),
                row("POST register line 7 of a V3", "POST", "/api/phones/ctf-1/lines/7/register", null, 404, "line 7"),
                row("POST register line 3 of a V2", "POST", "/api/phones/ctv-1/lines/3/register", null, 404, "line 3"),
                row("POST register line 0", "POST", "/api/phones/ctf-1/lines/0/register", null, 404, "line 0"),
                row("GET events of no phone", "GET", "/api/phones/ctnope-1/events", null, 404, "ctnope-1"),
                row("GET events since of no phone", "GET", "/api/phones/ctf-9/events?since=0", null, 404, "ctf-9"),
                row("GET server", "GET", "/api/servers/tertiary", null, 404, "tertiary"),
                row("GET server by a wrong case", "GET", "/api/servers/Primary", null, 404, "Primary"),
                row("PUT availability of no server", "PUT", "/api/servers/tertiary/availability",
                        j("{'mode':'down'}"), 404, "tertiary"),
                row("PUT availability of host:0", "PUT", "/api/servers/127.0.0.9:0/availability",
                        j("{'mode':'down'}"), 404, "127.0.0.9:0"),
                row("PUT availability of port 70000", "PUT", "/api/servers/127.0.0.9:70000/availability",
                        j("{'mode':'up'}"), 404, "127.0.0.9:70000"),
                row("GET fault", "GET", "/api/faults/ctnope", null, 404, "ctnope"),
                row("DELETE fault", "DELETE", "/api/faults/ctnope", null, 404, "ctnope"),
                row("GET relay", "GET", "/api/relays/ctnope", null, 404, "ctnope"),
                row("DELETE relay", "DELETE", "/api/relays/ctnope", null, 404, "ctnope"),
                row("GET relay by its fleet name", "GET", "/api/relays/relay:ctrelay", null, 404, "relay:ctrelay"),
                row("GET model", "GET", "/api/models/V9", null, 404, "V9"),
                row("GET run", "GET", "/api/runs/ctnope", null, 404, "ctnope"),
                row("GET junit of no run", "GET", "/api/runs/ctnope/junit", null, 404, "ctnope"),
                row("DELETE run", "DELETE", "/api/runs/ctnope", null, 404, "ctnope"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownIds")
    void anUnknownIdIs404NamingItAndChangesNothing(String why, String method, String path, String body, int status,
                                                   String named) {
        Map<String, Object> before = world(PHONES);
        Response r = send(method, path, body);
        problem(r, status, null, named);
        assertUnchanged(before, PHONES);
        unchanged = true;
    }

    // ---- taken names ------------------------------------------------------------------------------

    @Test
    void aTakenFleetNameIs409AndTheFleetAndItsPhonesAreUntouched() {
        Map<String, Object> before = world(PHONES);
        problem(json(Contract.fleet("ctf", "V2", 5, 5031)).post("/api/fleets"), 409, null, "ctf");
        assertUnchanged(before, PHONES);
        problem(Contract.send("GET", "/api/phones/ctf-3", null), 404, null);
    }

    @Test
    void aTakenRelayNameIs409AndTheRelayIsUntouched() {
        Map<String, Object> before = world(PHONES);
        problem(json(relay(Map.of("name", "\"ctrelay\"", "listen", "\"127.0.0.1:0\""))).post("/api/relays"), 409,
                null, "ctrelay");
        assertUnchanged(before, PHONES);
    }

    @Test
    void aTakenFaultNameIsRefusedAndTheFaultIsUntouched() {
        // api.md says 409 for a name taken; the service answers 400 (see ContractBugsTest)
        Map<String, Object> before = world(PHONES);
        Response r = json(fault(Map.of("name", "\"ctfault\""))).post("/api/faults");
        assertThat(r.statusCode()).isIn(400, 409);
        problem(r, r.statusCode(), null, "ctfault");
        assertUnchanged(before, PHONES);
    }

    static Stream<Endpoint> withBodyNoContentType() {
        return WITH_BODY.stream();
    }

    /** A body that is not declared JSON: 415, as a problem, and nothing changes. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("withBodyNoContentType")
    void aBodyNotDeclaredJsonIsRefusedAndChangesNothing(Endpoint e) {
        Map<String, Object> before = world(PHONES);
        problem(given().contentType("text/plain").body(e.valid()).request(e.method(),
                e.path()), 415, null);
        assertUnchanged(before, PHONES);
        unchanged = true;
    }
}
