package io.sipfleet.systemtests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipfleet.systemtests.ServiceProcess;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The phones' events read after the fact over REST ({@code GET /api/phones/{id}/events?since=...}) for an even
 * sample of a fleet's phones: what {@link EventsTap} gives, without an MQTT subscriber on the events topics during
 * the measured storm (with the embedded broker the service publishes events only when someone subscribes, and a
 * subscriber to every phone's events adds that work to the run).
 */
final class RestEvents {
    private final Map<String, Map<String, EventsTap.First>> firsts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counts = new TreeMap<>();
    private final Map<String, AtomicLong> marked = new TreeMap<>();
    private int sampled;

    /** Reads the events since {@code sinceMillis} of every {@code step}-th phone of fleet {@code name} (1..n). */
    static RestEvents read(ServiceProcess svc, String name, int n, int step, long sinceMillis, java.util.Set<String> types) {
        RestEvents r = new RestEvents();
        types.forEach(t -> r.firsts.put(t, new ConcurrentHashMap<>()));
        for (int i = 1; i <= n; i += step) {
            String id = name + "-" + i;
            JsonNode events = svc.rest().get("/api/phones/" + id + "/events?since=" + sinceMillis).expect(200);
            r.sampled++;
            for (JsonNode e : events) {
                String type = e.path("type").asText();
                r.counts.computeIfAbsent(type, k -> new AtomicLong()).incrementAndGet();
                if (e.path("overloaded").asBoolean(false)) {
                    r.marked.computeIfAbsent(type, k -> new AtomicLong()).incrementAndGet();
                }
                Map<String, EventsTap.First> byPhone = r.firsts.get(type);
                if (byPhone != null) {
                    byPhone.putIfAbsent(id, new EventsTap.First(e.path("at").asLong(), e.path("reason").asText(null),
                            System.currentTimeMillis()));
                }
            }
        }
        return r;
    }

    Map<String, EventsTap.First> first(String type) {
        return firsts.getOrDefault(type, Map.of());
    }

    int sampled() {
        return sampled;
    }

    String describeCounts() {
        return "sampled " + sampled + " phones: " + counts + "; marked \"overloaded\": " + marked;
    }
}
