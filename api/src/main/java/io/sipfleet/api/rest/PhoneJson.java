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
    public record Summary(String id, String fleet, String model, String state, String activeServer, String callState) {}

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

    static String lower(Enum<?> e) {
        return e == null ? null : e.name().toLowerCase(Locale.ROOT);
    }
}
