package io.sipfleet.systemtests.bench;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.systemtests.ServiceProcess;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/** Fleets of the service, through its REST API only. */
final class Fleets {
    private final ServiceProcess svc;
    private final Report report;

    Fleets(ServiceProcess svc, Report report) {
        this.svc = svc;
        this.report = report;
    }

    /** GET /api/fleets/{name}: ramp progress and counts by line state and by active server. */
    record Summary(int count, int poweredOn, Map<String, Integer> byState, Map<String, Integer> byActiveServer,
                   long atMillis) {
        int state(String s) {
            return byState.getOrDefault(s, 0);
        }

        int on(String server) {
            return byActiveServer.getOrDefault(server, 0);
        }

        @Override
        public String toString() {
            return "poweredOn " + poweredOn + "/" + count + ", byState " + byState + ", byActiveServer " + byActiveServer;
        }
    }

    /** A V3 line on the Kamailio pair over UDP. */
    static Map<String, Object> line(KamailioPair pair, int keepAliveInterval, int failbackInterval, int registerTtl) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("registerAddr", pair.primary().host());
        line.put("registerPort", pair.primary().port());
        line.put("registerTtl", registerTtl);
        line.put("transport", "UDP");
        line.put("backupAddr", pair.backup().host());
        line.put("backupPort", pair.backup().port());
        line.put("backupTtl", registerTtl);
        line.put("backupTransport", "UDP");
        line.put("enableFailback", 1);
        line.put("failbackInterval", failbackInterval);
        line.put("keepAliveInterval", keepAliveInterval);
        return line;
    }

    /** POST /api/fleets: {@code count} V3 phones, users from {@code firstUser}, password pw{user}. */
    JsonNode create(String name, int count, long firstUser, double rampPerSecond, Map<String, Object> line) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("model", "V3");
        body.put("count", count);
        body.put("firstUser", firstUser);
        body.put("password", "pw{user}");
        body.put("rampPerSecond", rampPerSecond);
        body.put("line", line);
        return svc.rest().post("/api/fleets", body).expect(201);
    }

    Summary summary(String name) {
        JsonNode f = svc.rest().get("/api/fleets/" + name).expect(200);
        return new Summary(f.path("count").asInt(), f.path("poweredOn").asInt(), counts(f.path("byState")),
                counts(f.path("byActiveServer")), System.currentTimeMillis());
    }

    private static Map<String, Integer> counts(JsonNode n) {
        Map<String, Integer> out = new TreeMap<>();
        n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asInt()));
        return out;
    }

    /** The outcome of {@link #awaitFleet}: the last summary seen, whether the condition was met, and when. */
    record Waited(Summary last, boolean reached, double seconds, long reachedAtMillis) {
    }

    /**
     * Polls the fleet every {@code every} until {@code done} holds or {@code atMost} has passed, printing progress
     * every 5 s. Does not throw when the condition is not met: the caller reports it.
     */
    Waited awaitFleet(String name, String what, Duration atMost, Duration every, Predicate<Summary> done) {
        Summary[] last = new Summary[1];
        long t0 = System.nanoTime();
        long[] lastPrint = {t0};
        try {
            await(name + ": " + what).atMost(atMost).pollInterval(every).pollDelay(Duration.ZERO)
                    .ignoreExceptionsMatching(e -> e instanceof java.io.UncheckedIOException)
                    .until(() -> {
                        Summary s = summary(name);
                        last[0] = s;
                        if (System.nanoTime() - lastPrint[0] > 5_000_000_000L) {
                            lastPrint[0] = System.nanoTime();
                            report.progress("%s: %s (waiting until %s)", name, s, what);
                        }
                        return done.test(s);
                    });
            return new Waited(last[0], true, (System.nanoTime() - t0) / 1e9, last[0].atMillis());
        } catch (ConditionTimeoutException e) {
            report.line("  NOT reached within %d s: %s; last: %s", atMost.toSeconds(), what, last[0]);
            return new Waited(last[0], false, (System.nanoTime() - t0) / 1e9, -1);
        }
    }

    /**
     * The exact span of a ramp on the service's clock: phone 1's first {@code registering} event to the latest
     * {@code registered} event of the last {@code tail} phones (the ramp powers phones on in order), from
     * GET /api/phones/{id}/events. NaN when the events are not there.
     */
    double rampSeconds(String fleet, int count, int tail) {
        long first = firstAt(fleet + "-1", "registering");
        long last = -1;
        for (int i = Math.max(1, count - tail + 1); i <= count; i++) {
            last = Math.max(last, firstAt(fleet + "-" + i, "registered"));
        }
        return first < 0 || last < 0 ? Double.NaN : (last - first) / 1000.0;
    }

    /** {@code at} of a phone's first event of {@code type} (its recent events), -1 when none. */
    long firstAt(String phone, String type) {
        JsonNode events = svc.rest().get("/api/phones/" + phone + "/events").expect(200);
        for (JsonNode e : events) {
            if (type.equals(e.path("type").asText())) {
                return e.path("at").asLong();
            }
        }
        return -1;
    }

    /**
     * Holds for {@code duration}, calling {@code sample} every {@code every} (and at once): a timed observation,
     * not a wait for a condition.
     */
    static void hold(Duration duration, Duration every, Runnable sample) {
        await("hold " + duration.toSeconds() + " s").during(duration).atMost(duration.plus(every).plusSeconds(60))
                .pollInterval(every).pollDelay(Duration.ZERO).until(() -> {
                    sample.run();
                    return true;
                });
    }

    /** DELETE /api/fleets/{name} (204 once every phone powered off; registered lines unregister). */
    void delete(String name, Duration atMost) {
        svc.rest().delete("/api/fleets/" + name, atMost).expect(204);
    }
}
