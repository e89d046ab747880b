package io.sipfleet.api.rest;

import io.sipfleet.device.PhoneView;
import java.util.List;
import java.util.Locale;

/** A phone as GET /api/phones/{id} gives it (and the retained MQTT state): no password, ever. */
public record PhoneJson(String id, String fleet, String model, String hook, boolean speaker, String callState,
                        String callId, String remote, String tone, List<String> display, int selectedLine,
                        List<Line> lines) {

    public record Line(int number, String state, String activeServer, String activeAddress, String led,
                       LineConfigJson config) {}

    /** The summary in a page of phones. */
    /**
     * A phone in a list. A real phone observed behind relays (README "Relay phones") has no model, and adds
     * {@code observed: true}, {@code user}, the relay {@code fleets} it was seen through and its {@code lastEvents};
     * a simulated phone's summary has none of these four.
     */
    public record Summary(String id, String fleet, String model, String state, String activeServer, String callState,
                          @com.fasterxml.jackson.annotation.JsonInclude(
                                  com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Boolean observed,
                          @com.fasterxml.jackson.annotation.JsonInclude(
                                  com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String user,
                          @com.fasterxml.jackson.annotation.JsonInclude(
                                  com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) List<String> fleets,
                          @com.fasterxml.jackson.annotation.JsonInclude(
                                  com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                          List<java.util.Map<String, Object>> lastEvents) {
        public Summary(String id, String fleet, String model, String state, String activeServer, String callState) {
            this(id, fleet, model, state, activeServer, callState, null, null, null, null);
        }
    }

    public static PhoneJson of(String fleet, PhoneView v) {
        return new PhoneJson(v.id(), fleet, v.model(), lower(v.hook()), v.speaker(), lower(v.callState()), v.callId(),
                v.remote(), lower(v.tone()), v.display(), v.selectedLine(),
                v.lines().stream().map(l -> new Line(l.number(), lower(l.state()), l.activeServer(), l.activeAddress(),
                        lower(l.led()), LineConfigJson.of(l.config()))).toList());
    }

    public static Summary summary(io.sipfleet.simulator.fleet.PhoneHandle h) {
        var b = h.brief();
        return new Summary(h.id(), h.fleet(), h.model(), lower(b.state()), b.activeServer(), lower(b.callState()));
    }

    /** Events listed in an observed phone's summary. */
    static final int LAST_EVENTS = 5;

    public static Summary summary(io.sipfleet.simulator.relay.ObservedPhone p) {
        var b = p.brief();
        var events = p.events(0);
        return new Summary(p.id(), p.fleet(), null, lower(b.state()), b.activeServer(), lower(b.callState()), true,
                p.user(), p.fleets(), events.subList(Math.max(0, events.size() - LAST_EVENTS), events.size()).stream()
                .map(EventJson::of).toList());
    }

    static String lower(Enum<?> e) {
        return e == null ? null : e.name().toLowerCase(Locale.ROOT);
    }
}
