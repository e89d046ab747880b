package io.sipfleet.api.contract;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.contract.Contract.awaitEvent;
import static io.sipfleet.api.contract.Contract.createFleet;
import static io.sipfleet.api.contract.Contract.j;
import static io.sipfleet.api.contract.Contract.json;
import static io.sipfleet.api.contract.Contract.list;
import static io.sipfleet.api.contract.Contract.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The success column of the matrix: every endpoint answers its status with the documented shape, the
 * change is visible through the API, and the edges of every range are accepted.
 */
@QuarkusTest
class AcceptedRequestsContractTest {

    @AfterEach
    void clean() {
        Contract.reset();
    }

    // ---- fleets -----------------------------------------------------------------------------------

    @Test
    void aFleetIsCreatedReadListedAndDeletedWithItsPhones() {
        json(j("{'name':'ctok','model':'V2','count':3,'firstUser':5201,'password':'pw{user}','authUser':'a{user}',"
                + "'rampPerSecond':0,'autoAnswer':true,'autoAnswerDelay':1.5,'line':" + Contract.CLOSED_LINE + "}"))
                .post("/api/fleets").then().statusCode(201).header("Location", endsWith("/api/fleets/ctok"))
                .body("name", equalTo("ctok")).body("model", equalTo("V2")).body("count", equalTo(3))
                .body("firstUser", equalTo(5201)).body("autoAnswer", equalTo(true))
                .body("line.registerAddr", equalTo("127.0.0.9")).body("line.password", equalTo("****"))
                .body(not(containsString("pw5201")));
        given().get("/api/fleets/ctok").then().statusCode(200).body("count", equalTo(3))
                .body("byState", org.hamcrest.Matchers.notNullValue())
                .body("byActiveServer", org.hamcrest.Matchers.notNullValue());
        given().get("/api/fleets").then().statusCode(200).body("name", hasItem("ctok"));
        given().queryParam("fleet", "ctok").get("/api/phones").then().statusCode(200).body("total", equalTo(3))
                .body("items.id", equalTo(List.of("ctok-1", "ctok-2", "ctok-3")));
        given().delete("/api/fleets/ctok").then().statusCode(204);
        problem(given().get("/api/fleets/ctok"), 404, null, "ctok");
        problem(given().get("/api/phones/ctok-1"), 404, null, "ctok-1");
        given().queryParam("fleet", "ctok").get("/api/phones").then().body("total", equalTo(0));
        given().get("/api/fleets").then().body("name", not(hasItem("ctok")));
    }

    @Test
    void theEdgesOfEveryFleetRangeAreAccepted() {
        String name = "ct" + "x".repeat(38);
        json(j("{'name':'" + name + "','model':'V3','count':1,'firstUser':999999999998,'rampPerSecond':100000,"
                + "'autoAnswerDelay':3600,'line':{'registerAddr':'127.0.0.9','registerPort':65535,'registerTtl':2678400,"
                + "'backupAddr':'127.0.0.10','backupPort':1,'backupTtl':1,'failbackInterval':2678400,"
                + "'signalRetryCounts':10,'signalRetryDuration':3600,'keepAliveInterval':0,'registerRetryInterval':1,"
                + "'enableFailback':0,'transport':1,'backupTransport':'udp','displayName':'" + "d".repeat(128) + "'}}"))
                .post("/api/fleets").then().statusCode(201).body("name", equalTo(name));
        JsonPath f = given().get("/api/fleets/" + name).then().statusCode(200).extract().jsonPath();
        assertThat(f.getLong("firstUser")).isEqualTo(999_999_999_998L);
        assertThat(f.getInt("line.registerPort")).isEqualTo(65535);
        assertThat(f.getInt("line.registerTtl")).isEqualTo(2678400);
        assertThat(f.getInt("line.signalRetryCounts")).isEqualTo(10);
        assertThat(f.getInt("line.keepAliveInterval")).isZero();
        assertThat(f.getString("line.transport")).isEqualTo("TCP");
        assertThat(f.getString("line.user")).isEqualTo("999999999998");
        createFleet("ct0", "V2", 1, 0);
        given().get("/api/phones/ct0-1").then().statusCode(200).body("lines[0].config.user", equalTo("0"));
    }

    // ---- phones -----------------------------------------------------------------------------------

    @Test
    void aPageOfPhonesIsFilteredAndPagedToItsEnd() {
        createFleet("ctpa", "V3", 3, 5301);
        createFleet("ctpb", "V2", 2, 5311);
        given().queryParam("fleet", "ctpa").queryParam("size", 2).get("/api/phones").then().statusCode(200)
                .body("page", equalTo(0)).body("size", equalTo(2)).body("total", equalTo(3))
                .body("items.id", equalTo(List.of("ctpa-1", "ctpa-2")))
                .body("items[0].fleet", equalTo("ctpa")).body("items[0].model", equalTo("V3"))
                .body("items[0].callState", equalTo("idle"));
        given().queryParam("fleet", "ctpa").queryParam("size", 2).queryParam("page", 1).get("/api/phones").then()
                .body("items.id", equalTo(List.of("ctpa-3")));
        // past the last page: an empty page, not an error
        given().queryParam("fleet", "ctpa").queryParam("size", 2).queryParam("page", 2).get("/api/phones").then()
                .statusCode(200).body("total", equalTo(3)).body("items", empty());
        given().queryParam("fleet", "ctpb").queryParam("model", "V2").queryParam("size", 1000).get("/api/phones")
                .then().statusCode(200).body("total", equalTo(2));
        given().queryParam("fleet", "ctpb").queryParam("model", "V3").get("/api/phones").then().body("total", equalTo(0));
        given().queryParam("fleet", "ctpb").queryParam("size", 1).get("/api/phones").then().body("items", hasSize(1));
        // both fleets' lines fail at once on the closed ports; the state filter then finds all five
        Contract.await("ctpa and ctpb failed", () -> given().queryParam("state", "failed").queryParam("size", 1000)
                        .get("/api/phones").jsonPath().<String>getList("items.id"),
                ids -> ids.containsAll(List.of("ctpa-1", "ctpa-2", "ctpa-3", "ctpb-1", "ctpb-2")));
        given().queryParam("fleet", "ctpa").queryParam("state", "REGISTERED").get("/api/phones").then()
                .statusCode(200).body("total", equalTo(0));
        given().queryParam("fleet", "ctpa").queryParam("activeServer", "primary").get("/api/phones").then()
                .statusCode(200).body("total", equalTo(0));
    }

    @Test
    void aPhoneShowsItsLinesWithThePasswordMasked() {
        createFleet("ctph", "V3", 1, 5321);
        given().get("/api/phones/ctph-1").then().statusCode(200).body("id", equalTo("ctph-1"))
                .body("fleet", equalTo("ctph")).body("model", equalTo("V3")).body("hook", equalTo("on"))
                .body("speaker", equalTo(false)).body("callState", equalTo("idle")).body("lines", hasSize(6))
                .body("lines[0].number", equalTo(1)).body("lines[0].config.user", equalTo("5321"))
                .body("lines[0].config.password", equalTo("****")).body("lines[1].state", equalTo("disabled"))
                .body("display", not(empty())).body(not(containsString("pw5321")));
    }

    @Test
    void aLineConfigurationIsChangedItemByItemAndTheEdgesOfItsRangesAreAccepted() {
        createFleet("ctln", "V3", 1, 5331);
        String body = j("{'registerTtl':2678400,'keepAliveInterval':0,'signalRetryCounts':0,'signalRetryDuration':1,"
                + "'registerRetryInterval':2678400,'failbackInterval':1,'transport':0,'backupTransport':'TCP',"
                + "'enableFailback':true,'displayName':'" + "n".repeat(128) + "','domain':'example.test',"
                + "'extraServers':[{'address':'127.0.0.14','port':65535,'ttl':1,'transport':3}]}");
        json(body).put("/api/phones/ctln-1/lines/1").then().statusCode(200).body("id", equalTo("ctln-1"))
                .body("lines[0].config.registerTtl", equalTo(2678400))
                .body("lines[0].config.keepAliveInterval", equalTo(0))
                .body("lines[0].config.transport", equalTo("UDP"))
                .body("lines[0].config.backupTransport", equalTo("TCP"))
                .body("lines[0].config.enableFailback", equalTo(1))
                .body("lines[0].config.extraServers[0].transport", equalTo("TLS"))
                .body("lines[0].config.domain", equalTo("example.test"))
                // items not given keep their value
                .body("lines[0].config.registerAddr", equalTo("127.0.0.9"))
                .body("lines[0].config.user", equalTo("5331")).body("lines[0].config.password", equalTo("****"));
        given().get("/api/phones/ctln-1").then().body("lines[0].config.registerRetryInterval", equalTo(2678400))
                .body("lines[0].config.extraServers[0].port", equalTo(65535));
        // a line of its own on line 2, then an empty change that keeps everything
        json(j("{'registerAddr':'127.0.0.9','registerPort':5999,'user':'5331b','password':'x'}"))
                .put("/api/phones/ctln-1/lines/2").then().statusCode(200)
                .body("lines[1].config.user", equalTo("5331b")).body("lines[1].config.password", equalTo("****"));
        Map<String, Object> before = Contract.phone("ctln-1");
        json("{}").put("/api/phones/ctln-1/lines/2").then().statusCode(200);
        assertThat(((List<?>) Contract.phone("ctln-1").get("lines"))).isEqualTo(before.get("lines"));
    }

    @Test
    void hookAndKeysAreCarriedOutInOrder() {
        createFleet("ctkb", "V3", 1, 5341);
        json(j("{'state':'off'}")).post("/api/phones/ctkb-1/hook").then().statusCode(202);
        given().get("/api/phones/ctkb-1").then().body("hook", equalTo("off")).body("callState", equalTo("dialing"));
        json(j("{'keys':'12'}")).post("/api/phones/ctkb-1/keys").then().statusCode(202);
        json(j("{'keys':['3','*']}")).post("/api/phones/ctkb-1/keys").then().statusCode(202);
        given().get("/api/phones/ctkb-1").then().body("display[1]", equalTo("Dial: 123*"));
        List<Map<String, Object>> events = list("/api/phones/ctkb-1/events");
        assertThat(events.stream().filter(e -> "key".equals(e.get("type"))).map(e -> e.get("key")))
                .containsExactly("1", "2", "3", "*");
        json(j("{'state':'on'}")).post("/api/phones/ctkb-1/hook").then().statusCode(202);
        given().get("/api/phones/ctkb-1").then().body("hook", equalTo("on")).body("callState", equalTo("idle"));
        assertThat(list("/api/phones/ctkb-1/events").stream().filter(e -> "hook".equals(e.get("type")))
                .map(e -> e.get("state"))).containsExactly("off", "on");
    }

    @Test
    void aManualRegistrationIsAcceptedAndStartsAWalk() {
        createFleet("ctrg", "V2", 1, 5351);
        awaitEvent("ctrg-1", "register-failed");
        given().post("/api/phones/ctrg-1/lines/1/register").then().statusCode(202);
        Contract.await("a manual registration", () -> list("/api/phones/ctrg-1/events"),
                events -> events.stream().anyMatch(e -> "registering".equals(e.get("type"))
                        && "manual".equals(e.get("trigger"))));
    }

    @Test
    void eventsAreOldestFirstAndSinceIsInclusive() {
        createFleet("ctev", "V3", 1, 5361);
        List<Map<String, Object>> all = awaitEvent("ctev-1", "register-failed");
        assertThat(all.size()).isGreaterThanOrEqualTo(2);
        List<Long> at = all.stream().map(e -> ((Number) e.get("at")).longValue()).toList();
        assertThat(at).isSorted();
        assertThat(all).allSatisfy(e -> assertThat(e).containsEntry("phone", "ctev-1").containsKey("type"));
        long last = at.get(at.size() - 1);
        List<Map<String, Object>> since = given().queryParam("since", last).get("/api/phones/ctev-1/events").then()
                .statusCode(200).extract().jsonPath().getList("$");
        assertThat(since).isNotEmpty().allSatisfy(e -> assertThat(((Number) e.get("at")).longValue())
                .isGreaterThanOrEqualTo(last));
        assertThat(since.get(0)).isEqualTo(all.stream().filter(e -> ((Number) e.get("at")).longValue() == last)
                .findFirst().orElseThrow());
        given().queryParam("since", last + 1).get("/api/phones/ctev-1/events").then().statusCode(200)
                .body("$", empty());
        given().queryParam("since", Long.MAX_VALUE).get("/api/phones/ctev-1/events").then().statusCode(200)
                .body("$", empty());
        given().queryParam("since", 0).get("/api/phones/ctev-1/events").then().statusCode(200)
                .body("size()", org.hamcrest.Matchers.greaterThanOrEqualTo(all.size()));
    }

    // ---- servers ----------------------------------------------------------------------------------

    @Test
    void serversAreListedReadAndMadeAvailableOrNot() {
        createFleet("ctsv", "V3", 1, 5371);
        given().get("/api/servers").then().statusCode(200)
                .body("find { it.name == 'primary' }.builtin", equalTo(true))
                .body("find { it.name == 'backup' }.address", equalTo("127.0.0.3:15060"))
                .body("find { it.name == '127.0.0.9:5999' }.builtin", equalTo(false))
                .body("find { it.name == '127.0.0.10:5999' }.mode", equalTo("up"));
        given().get("/api/servers/primary").then().statusCode(200).body("name", equalTo("primary"))
                .body("address", equalTo("127.0.0.2:15060")).body("mode", equalTo("up"))
                .body("requests", org.hamcrest.Matchers.notNullValue());
        given().get("/api/servers/127.0.0.3:15060").then().statusCode(200).body("name", equalTo("backup"));
        json(j("{'mode':'503'}")).put("/api/servers/backup/availability").then().statusCode(200)
                .body("name", equalTo("backup")).body("mode", equalTo("503"));
        given().get("/api/servers/backup").then().body("mode", equalTo("503"));
        json(j("{'mode':'silent'}")).put("/api/servers/127.0.0.9:5999/availability").then().statusCode(200)
                .body("builtin", equalTo(false)).body("mode", equalTo("silent"));
        given().get("/api/servers").then().body("find { it.name == '127.0.0.9:5999' }.mode", equalTo("silent"));
        given().get("/api/faults/availability-127.0.0.9_5999").then().statusCode(200)
                .body("type", equalTo("blackhole")).body("server", equalTo("127.0.0.9:5999"));
        json(j("{'mode':'up'}")).put("/api/servers/127.0.0.9:5999/availability").then().statusCode(200)
                .body("mode", equalTo("up"));
        given().get("/api/faults/availability-127.0.0.9_5999").then().statusCode(404);
    }

    // ---- faults -----------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "probability 0|{'name':'ctf0','type':'loss','target':'primary','probability':0}|probability|0.0",
        "probability 1|{'name':'ctf1','type':'loss','target':'primary','probability':1}|probability|1.0",
        "sample 0|{'name':'ctf2','type':'blackhole','phones':{'sample':0,'seed':3}}|phones.sample|0.0",
        "sample 100|{'name':'ctf3','type':'blackhole','phones':{'sample':100}}|phones.sample|100.0",
        "delay 0 ms|{'name':'ctf4','type':'delay','target':'backup','params':{'ms':0}}|params.ms|0",
        "delay 600000 ms|{'name':'ctf5','type':'delay','target':'backup','params':{'ms':600000}}|params.ms|600000",
        "respond 300|{'name':'ctf6','type':'respond','target':'127.0.0.9:5999','params':{'status':300}}|params.status|300",
        "respond 699|{'name':'ctf7','type':'respond','target':'127.0.0.9:5999','params':{'status':699}}|params.status|699",
        "a millisecond|{'name':'ctf8','type':'blackhole','durationSeconds':0.001}|durationSeconds|0.001",
        "no start delay|{'name':'ctf9','type':'blackhole','startDelaySeconds':0}|state|active",
        "a name of 64|{'name':'c123456789012345678901234567890123456789012345678901234567890123','type':'blackhole'}|type|blackhole"})
    void aFaultIsCreatedReadListedAndDeletedAtTheEdgesOfItsRanges(String why, String body, String path,
                                                                  String value) {
        String id = json(j(body)).post("/api/faults").then().statusCode(201)
                .header("Location", containsString("/api/faults/")).body("state", equalTo("active"))
                .body("counters.matched", equalTo(0)).extract().path("id");
        assertThat(given().get("/api/faults/" + id).then().statusCode(200).extract().jsonPath().getString(path))
                .isEqualTo(value);
        assertThat(list("/api/faults")).extracting(f -> f.get("id")).contains(id);
        given().delete("/api/faults/" + id).then().statusCode(204);
        problem(given().get("/api/faults/" + id), 404, null, id);
        assertThat(list("/api/faults")).extracting(f -> f.get("id")).doesNotContain(id);
    }

    @Test
    void aFaultWithoutANameGetsOne() {
        String id = json(j("{'type':'duplicate','target':'backup'}")).post("/api/faults").then().statusCode(201)
                .extract().path("id");
        assertThat(id).startsWith("duplicate-");
        given().get("/api/faults/" + id).then().statusCode(200).body("target", equalTo("backup"))
                .body("server", equalTo("127.0.0.3:15060"));
    }

    // ---- relays -----------------------------------------------------------------------------------

    @Test
    void aRelayIsCreatedReadListedAndDeletedAndItsPortsAreFreed() throws Exception {
        String listen = json(j("{'name':'ctr','listen':'127.0.0.1:0','upstream':'127.0.0.9:5999'}")).post("/api/relays")
                .then().statusCode(201).header("Location", endsWith("/api/relays/ctr")).body("name", equalTo("ctr"))
                .body("upstream", equalTo("127.0.0.9:5999")).body("fleet", equalTo("relay:ctr"))
                .body("udpOpen", equalTo(true)).body("tcpOpen", equalTo(true)).body("listen", startsWith("127.0.0.1:"))
                .extract().path("listen");
        int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
        assertThat(port).isPositive();
        given().get("/api/relays/ctr").then().statusCode(200).body("listen", equalTo(listen));
        assertThat(list("/api/relays")).extracting(r -> r.get("name")).contains("ctr");
        given().delete("/api/relays/ctr").then().statusCode(204);
        problem(given().get("/api/relays/ctr"), 404, null, "ctr");
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(lo, port));
             ServerSocket tcp = new ServerSocket(port, 1, lo)) {
            assertThat(udp.getLocalPort()).isEqualTo(port);
            assertThat(tcp.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void aRelayWithoutANameGetsOne() {
        String name = json(j("{'upstream':'backup'}")).post("/api/relays").then().statusCode(201)
                .body("listen", startsWith("127.0.0.1:")).extract().path("name");
        assertThat(name).startsWith("relay-");
        given().get("/api/relays/" + name).then().statusCode(200).body("upstream", equalTo("127.0.0.3:15060"));
    }

    // ---- reset, models ----------------------------------------------------------------------------

    @Test
    void aResetRemovesFaultsAndRelaysSetsServersUpAndKeepsFleetsOnlyWhenAsked() {
        Contract.reset();
        createFleet("ctrs", "V3", 1, 5381);
        json(j("{'type':'blackhole','target':'127.0.0.9:5999'}")).post("/api/faults").then().statusCode(201);
        json(j("{'name':'ctrr','upstream':'primary'}")).post("/api/relays").then().statusCode(201);
        json(j("{'mode':'down'}")).put("/api/servers/primary/availability").then().statusCode(200);
        given().queryParam("keepFleets", true).post("/api/reset").then().statusCode(200)
                .body("faultsRemoved", equalTo(1)).body("serversSetUp", equalTo(1)).body("fleetsDeleted", empty());
        assertThat(list("/api/faults")).isEmpty();
        assertThat(list("/api/relays")).isEmpty();
        given().get("/api/servers/primary").then().body("mode", equalTo("up"));
        given().get("/api/fleets/ctrs").then().statusCode(200);
        given().post("/api/reset").then().statusCode(200).body("faultsRemoved", equalTo(0))
                .body("serversSetUp", equalTo(0)).body("fleetsDeleted", equalTo(List.of("ctrs")));
        given().get("/api/fleets/ctrs").then().statusCode(404);
        problem(given().get("/api/phones/ctrs-1"), 404, null);
    }

    @Test
    void modelsAreListedAndReadByName() {
        given().get("/api/models").then().statusCode(200).body("name", equalTo(List.of("V2", "V3")));
        given().get("/api/models/V2").then().statusCode(200).body("lineCount", equalTo(2))
                .body("budgetKind", equalTo("DURATION"));
    }
}
