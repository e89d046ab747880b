package io.sipfleet.faults;

import java.util.Locale;
import java.util.Optional;

/** Which packets a fault applies to: those going to the server, coming from it, or both. */
public enum Direction {
    TO_SERVER("to-server"), FROM_SERVER("from-server"), BOTH("both");

    private final String wireName;

    Direction(String wireName) {
        this.wireName = wireName;
    }

    /** As the APIs spell it: {@code to-server}, {@code from-server}, {@code both}. */
    public String wireName() {
        return wireName;
    }

    public boolean matches(Packet.Flow flow) {
        return this == BOTH || (this == TO_SERVER) == (flow == Packet.Flow.TO_SERVER);
    }

    /** {@code to-server}, {@code from-server} or {@code both} (case-insensitive, '_' for '-'). */
    public static Optional<Direction> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        String n = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Direction d : values()) {
            if (d.wireName.equals(n)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
