package io.sipfleet.api.rest;

import io.sipfleet.simulator.relay.ObservedPhone;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real phone observed behind relays, as {@code GET /api/phones/{id}} gives it: the simulated phone's shape where it
 * can be observed ({@code id}, {@code fleet}, {@code callState}, {@code lines[0]} with {@code state},
 * {@code activeServer}, {@code activeAddress}), {@code observed: true}, and what only the wire shows: {@code user},
 * {@code aor}, {@code fleets}, {@code addresses} (per relay, the client's host:port/transport: its phone id for a
 * fault), {@code home}, {@code expiresAt}, {@code requests} (per server and method: sends, transactions, first and
 * last send), {@code wire} (its last messages) and {@code lastSeenAt}. What cannot be observed (model, hook, display,
 * LEDs, tone, configuration) is absent.
 */
final class ObservedPhoneJson {
    private ObservedPhoneJson() {
    }

    static Map<String, Object> of(ObservedPhone p) {
        ObservedPhone.View v = p.view();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", v.id());
        m.put("fleet", v.fleets().isEmpty() ? null : v.fleets().get(v.fleets().size() - 1));
        m.put("observed", true);
        m.put("user", v.user());
        m.put("aor", v.aor());
        m.put("fleets", v.fleets());
        m.put("addresses", v.addresses());
        m.put("callState", PhoneJson.lower(v.callState()));
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("number", 1);
        line.put("state", PhoneJson.lower(v.state()));
        line.put("activeServer", v.activeServer());
        line.put("activeAddress", v.activeAddress());
        line.put("expiresAt", v.activeServer() == null ? null : v.expiresAt());
        m.put("lines", List.of(line));
        m.put("home", v.home());
        m.put("requests", v.requests());
        m.put("wire", v.wire());
        m.put("lastSeenAt", v.lastSeenAt());
        m.put("eventsForgotten", v.eventsForgotten());
        return m;
    }
}
