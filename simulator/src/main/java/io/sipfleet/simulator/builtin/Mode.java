package io.sipfleet.simulator.builtin;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Availability of one built-in server (api.md: {@code PUT /api/servers/{name}/availability}).
 * "Down" is server state, not a fault (architecture.md): the server's sockets are really closed.
 */
public enum Mode {
    /** Registrar and proxy at work. */
    UP("up"),
    /** Every request answered 503 at once (ACK: nothing). */
    ERROR_503("503"),
    /** Every request answered 500 at once (ACK: nothing). */
    ERROR_500("500"),
    /** Nothing answered, not even 100 Trying; retransmissions absorbed. */
    SILENT("silent"),
    /** Sockets closed: UDP gets ICMP port unreachable, TCP connect is refused. */
    DOWN("down");

    private final String apiName;

    Mode(String apiName) {
        this.apiName = apiName;
    }

    /** The name the REST and MQTT APIs use: up, 503, 500, silent, down. */
    public String apiName() {
        return apiName;
    }

    /** The status every request gets in this mode, or 0 when the mode answers nothing or normally. */
    public int errorStatus() {
        return switch (this) {
            case ERROR_503 -> 503;
            case ERROR_500 -> 500;
            default -> 0;
        };
    }

    /**
     * Parses an API string ("up", "503", "500", "silent", "down"), case-insensitive and trimmed; the
     * enum names (ERROR_503, ...) are accepted too.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Mode parse(String text) {
        if (text != null) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            for (Mode m : values()) {
                if (m.apiName.equals(t) || m.name().toLowerCase(Locale.ROOT).equals(t)) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("unknown server mode '" + text + "': expected one of "
                + Arrays.stream(values()).map(Mode::apiName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return apiName;
    }
}
