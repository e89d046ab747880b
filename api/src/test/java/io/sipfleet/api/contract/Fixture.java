package io.sipfleet.api.contract;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.contract.Contract.createFleet;
import static io.sipfleet.api.contract.Contract.j;
import static io.sipfleet.api.contract.Contract.json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small world for the refusal matrix, so that a half-applied request would show: two fleets on
 * closed ports ({@code ctf}: two V3 phones, users 5001..5002; {@code ctv}: one V2 phone, user 5011),
 * a fault {@code ctfault}, a relay {@code ctrelay}, the built-in backup {@code silent} and the
 * external server 127.0.0.12:5999 answering 503 (a fault). The refused requests carry valid items
 * beside the bad one ({@code "mode":"up"}, {@code "state":"off"}, a new name...), so that any part
 * of them carried out changes the snapshot.
 */
final class Fixture {
    private Fixture() {}

    static final String[] PHONES = {"ctf-1", "ctf-2", "ctv-1"};

    /** Builds the world; the fleets only when they are not there (a test that changed nothing keeps them). */
    static void build() {
        if (given().get("/api/fleets/ctf").statusCode() == 404) {
            createFleet("ctf", "V3", 2, 5001);
        }
        if (given().get("/api/fleets/ctv").statusCode() == 404) {
            createFleet("ctv", "V2", 1, 5011);
        }
        json(j("{'name':'ctfault','type':'delay','target':'127.0.0.11:5999','params':{'ms':5}}")).post("/api/faults")
                .then().statusCode(201);
        json(j("{'name':'ctrelay','upstream':'primary'}")).post("/api/relays").then().statusCode(201);
        json(j("{'mode':'silent'}")).put("/api/servers/backup/availability").then().statusCode(200);
        json(j("{'mode':'503'}")).put("/api/servers/127.0.0.12:5999/availability").then().statusCode(200);
    }

    /** An endpoint with a JSON body, and a body it accepts. */
    record Endpoint(String label, String method, String path, String valid) {
        @Override
        public String toString() {
            return label;
        }
    }

    static final Endpoint FLEETS = new Endpoint("POST /api/fleets", "POST", "/api/fleets", fleet(Map.of()));
    static final Endpoint LINE = new Endpoint("PUT /api/phones/{id}/lines/{n}", "PUT", "/api/phones/ctf-1/lines/1",
            line(Map.of()));
    static final Endpoint HOOK = new Endpoint("POST /api/phones/{id}/hook", "POST", "/api/phones/ctf-1/hook",
            j("{'state':'off'}"));
    static final Endpoint KEYS = new Endpoint("POST /api/phones/{id}/keys", "POST", "/api/phones/ctf-1/keys",
            j("{'keys':['1','2']}"));
    static final Endpoint BUILTIN = new Endpoint("PUT /api/servers/{built-in}/availability", "PUT",
            "/api/servers/backup/availability", j("{'mode':'up'}"));
    static final Endpoint EXTERNAL = new Endpoint("PUT /api/servers/{host:port}/availability", "PUT",
            "/api/servers/127.0.0.12:5999/availability", j("{'mode':'up'}"));
    static final Endpoint FAULTS = new Endpoint("POST /api/faults", "POST", "/api/faults", fault(Map.of()));
    static final Endpoint RELAYS = new Endpoint("POST /api/relays", "POST", "/api/relays",
            j("{'name':'ctnew','upstream':'backup'}"));

    static final java.util.List<Endpoint> WITH_BODY = java.util.List.of(FLEETS, LINE, HOOK, KEYS, BUILTIN, EXTERNAL,
            FAULTS, RELAYS);

    /**
     * A new fleet {@code ctnew} (one V3 phone, user 5021) with members replaced: {@code "count" -> "true"};
     * {@code "line.registerPort" -> "70000"} replaces a member of the line. Values are raw JSON.
     */
    static String fleet(Map<String, String> with) {
        Map<String, String> top = new LinkedHashMap<>();
        top.put("name", "\"ctnew\"");
        top.put("model", "\"V3\"");
        top.put("count", "1");
        top.put("firstUser", "5021");
        top.put("password", "\"pw{user}\"");
        Map<String, String> line = new LinkedHashMap<>();
        line.put("registerAddr", "\"127.0.0.9\"");
        line.put("registerPort", "5999");
        line.put("backupAddr", "\"127.0.0.10\"");
        line.put("backupPort", "5999");
        String wholeLine = null;
        for (Map.Entry<String, String> e : with.entrySet()) {
            if (e.getKey().equals("line")) {
                wholeLine = e.getValue();
            } else if (e.getKey().startsWith("line.")) {
                line.put(e.getKey().substring(5), e.getValue());
            } else {
                top.put(e.getKey(), e.getValue());
            }
        }
        top.put("line", wholeLine != null ? wholeLine : object(line));
        return object(top);
    }

    /** A line change for ctf-1 line 1: a new display name and registerTtl 600, with members replaced. */
    static String line(Map<String, String> with) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("displayName", "\"changed\"");
        m.put("registerTtl", "600");
        m.putAll(with);
        return object(m);
    }

    /** A new fault {@code ctnew}: a blackhole on 127.0.0.13:5999, with members replaced. */
    static String fault(Map<String, String> with) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", "\"ctnew\"");
        m.put("type", "\"blackhole\"");
        m.put("target", "\"127.0.0.13:5999\"");
        m.putAll(with);
        return object(m);
    }

    /** A new relay {@code ctnew} to the backup, with members replaced. */
    static String relay(Map<String, String> with) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", "\"ctnew\"");
        m.put("upstream", "\"backup\"");
        m.putAll(with);
        return object(m);
    }

    static String object(Map<String, String> members) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, String> e : members.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"').append(e.getKey()).append("\":").append(e.getValue());
        }
        return sb.append('}').toString();
    }

    /** {@code "name"} of {@code n} characters. */
    static String chars(int n) {
        return "\"" + "a".repeat(n) + "\"";
    }
}
