package io.sipfleet.api.contract;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What the contract tests share: requests, the problem+json check, and a snapshot of everything the
 * API shows that a refused request must leave as it was.
 *
 * <p>Names used here: fleets {@code ct*}, users 5000..5999, servers 127.0.0.9..14 port 5999 (closed
 * UDP ports on loopback: a REGISTER meets ICMP port unreachable at once and the line settles in
 * {@code failed}).
 */
final class Contract {
    private Contract() {}

    static final String PROBLEM = "application/problem+json";

    /** Line 1 on two closed ports: the phones fail their registration at once and then stay put. */
    static final String CLOSED_LINE = "{'registerAddr':'127.0.0.9','registerPort':5999,"
            + "'backupAddr':'127.0.0.10','backupPort':5999}";

    /** Single quotes to double quotes, so that JSON reads in Java source. */
    static String j(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** A fleet on the closed ports. */
    static String fleet(String name, String model, int count, long firstUser) {
        return j("{'name':'" + name + "','model':'" + model + "','count':" + count + ",'firstUser':" + firstUser
                + ",'password':'pw{user}','line':" + CLOSED_LINE + "}");
    }

    static RequestSpecification json(String body) {
        return given().contentType(ContentType.JSON).body(body);
    }

    /** {@code method path} with {@code body} as JSON, or without a body when it is null. */
    static Response send(String method, String path, String body) {
        RequestSpecification r = body == null ? given() : json(body);
        return r.request(method, path);
    }

    static void createFleet(String name, String model, int count, long firstUser) {
        json(fleet(name, model, count, firstUser)).post("/api/fleets").then().statusCode(201);
    }

    static void reset() {
        given().post("/api/reset").then().statusCode(200);
    }

    /**
     * The answer is an RFC 9457 problem with this status, a title and a detail; {@code field}, when
     * not null, is the member naming the bad input.
     */
    static ValidatableResponse problem(Response r, int status, String field) {
        ValidatableResponse v = r.then().statusCode(status).contentType(PROBLEM)
                .body("status", equalTo(status)).body("title", not(emptyOrNullString()))
                .body("detail", not(emptyOrNullString()));
        if (field != null) {
            v.body("field", equalTo(field));
        }
        return v;
    }

    static ValidatableResponse problem(Response r, int status, String field, String detailContains) {
        return problem(r, status, field).body("detail", containsString(detailContains));
    }

    // ---- "nothing changed" ------------------------------------------------------------------------

    static List<Map<String, Object>> list(String path) {
        return given().get(path).then().statusCode(200).extract().jsonPath().getList("$");
    }

    /** Each item without the members that move by themselves (counters, registration progress). */
    static List<Map<String, Object>> without(List<Map<String, Object>> items, String... moving) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> i : items) {
            Map<String, Object> copy = new LinkedHashMap<>(i);
            for (String m : moving) {
                copy.remove(m);
            }
            out.add(copy);
        }
        return out;
    }

    private static final Set<String> COMMANDS = Set.of("hook", "key", "speaker");

    /**
     * What commands change on a phone: configuration of every line, hook, speaker, call state, and
     * the events that commands cause (hook, key, and registering by a manual or config trigger).
     * Registration progress (line state, display, LEDs) moves by itself and is left out.
     */
    static Map<String, Object> phone(String id) {
        Map<String, Object> p = given().get("/api/phones/" + id).then().statusCode(200).extract().jsonPath()
                .getMap("$");
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : List.of("id", "fleet", "model", "hook", "speaker", "callState", "selectedLine")) {
            out.put(k, p.get(k));
        }
        List<Object> lines = new ArrayList<>();
        for (Object l : (List<?>) p.get("lines")) {
            Map<?, ?> line = (Map<?, ?>) l;
            lines.add(List.of(line.get("number"), line.get("config")));
        }
        out.put("lines", lines);
        List<Map<String, Object>> commands = new ArrayList<>();
        for (Map<String, Object> e : list("/api/phones/" + id + "/events")) {
            Object trigger = e.get("trigger");
            if (COMMANDS.contains(String.valueOf(e.get("type")))
                    || "registering".equals(e.get("type")) && ("manual".equals(trigger) || "config".equals(trigger))) {
                commands.add(e);
            }
        }
        out.put("commands", commands);
        return out;
    }

    /** Fleets, faults, relays, servers and the given phones, as a refused request must leave them. */
    static Map<String, Object> world(String... phones) {
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("fleets", without(list("/api/fleets"), "poweredOn", "byState", "byActiveServer", "ramp", "commandsPending", "overloadedSince"));
        w.put("faults", without(list("/api/faults"), "state", "counters"));
        w.put("relays", without(list("/api/relays"), "counters"));
        w.put("servers", without(list("/api/servers"), "requests"));
        for (String id : phones) {
            w.put(id, phone(id));
        }
        return w;
    }

    // ---- waiting ----------------------------------------------------------------------------------

    /** Polls {@code probe} until {@code done} holds, for at most 10 s; returns the last value. */
    static <T> T await(String what, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.currentTimeMillis() + 10_000;
        T last = probe.get();
        while (!done.test(last)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within 10 s: " + what + "; last seen: " + last);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
            last = probe.get();
        }
        return last;
    }

    /** The phone's events once one of {@code type} is among them. */
    static List<Map<String, Object>> awaitEvent(String phone, String type) {
        return await(phone + ": a " + type + " event", () -> list("/api/phones/" + phone + "/events"),
                events -> events.stream().anyMatch(e -> type.equals(e.get("type"))));
    }

    static void assertUnchanged(Map<String, Object> before, String... phones) {
        assertThat(world(phones)).as("a refused request changes nothing").isEqualTo(before);
    }
}
