package io.sipfleet.device;

import io.sipfleet.device.Outputs.CallState;
import io.sipfleet.device.Outputs.Hook;
import io.sipfleet.device.Outputs.Led;
import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.Outputs.Tone;
import io.sipfleet.device.config.LineConfig;
import java.util.List;

/**
 * A snapshot of a phone as a person holding it (and its lines' state) would see it. Carries no
 * password: line configurations are masked.
 */
public record PhoneView(String id, String model, Hook hook, boolean speaker, CallState callState, String callId,
                        String remote, Tone tone, List<String> display, int selectedLine, List<LineView> lines) {
    public PhoneView {
        display = List.copyOf(display);
        lines = List.copyOf(lines);
    }

    public LineView line(int n) {
        return lines.get(n - 1);
    }

    /**
     * One line.
     *
     * @param number       1..n
     * @param state        registration state
     * @param activeServer role of the active server, or null
     * @param activeAddress host:port/transport of the active server, or null
     * @param led          the line LED
     * @param config       the configuration, password masked
     */
    public record LineView(int number, LineState state, String activeServer, String activeAddress, Led led,
                           LineConfig.Builder config) {}
}
