package io.sipfleet.simulator.builtin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where each address-of-record can be reached: AOR user to one binding (the latest registration
 * wins). Shared by every server of a group, so a phone registered through the primary is found by
 * the backup. Expired bindings are never returned. Thread-safe.
 */
public final class LocationService {

    /**
     * @param user      the AOR user (the To user of the REGISTER)
     * @param contact   the Contact URI the phone registered, as text
     * @param transport udp or tcp: the contact's transport parameter, else the transport the REGISTER came on
     * @param expires   when the binding expires
     * @param server    the name of the server it registered through
     * @param source    host:port the REGISTER came from
     */
    public record Binding(String user, String contact, String transport, Instant expires, String server, String source) {
        public Binding {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(contact, "contact");
            Objects.requireNonNull(transport, "transport");
            Objects.requireNonNull(expires, "expires");
        }

        public boolean isExpiredAt(Instant now) {
            return !now.isBefore(expires);
        }

        /** Time left at {@code now}, never negative. */
        public Duration remaining(Instant now) {
            Duration d = Duration.between(now, expires);
            return d.isNegative() ? Duration.ZERO : d;
        }
    }

    private final Clock clock;
    private final Map<String, Binding> bindings = new ConcurrentHashMap<>();

    public LocationService() {
        this(Clock.systemUTC());
    }

    public LocationService(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Clock clock() {
        return clock;
    }

    /** The live binding of a user. */
    public Optional<Binding> lookup(String user) {
        if (user == null) {
            return Optional.empty();
        }
        Binding b = bindings.get(user);
        if (b == null) {
            return Optional.empty();
        }
        if (b.isExpiredAt(clock.instant())) {
            bindings.remove(user, b);
            return Optional.empty();
        }
        return Optional.of(b);
    }

    /** Adds or replaces the user's binding. */
    public void bind(Binding b) {
        bindings.put(b.user(), b);
    }

    /** Removes the user's binding, whatever its contact. */
    public boolean unbind(String user) {
        return bindings.remove(user) != null;
    }

    /** Removes the user's binding if it is this one. */
    public boolean unbind(Binding b) {
        return bindings.remove(b.user(), b);
    }

    /** The live bindings. */
    public List<Binding> bindings() {
        Instant now = clock.instant();
        return bindings.values().stream().filter(b -> !b.isExpiredAt(now)).toList();
    }

    /** Number of live bindings. */
    public int size() {
        return bindings().size();
    }

    /** Drops expired bindings; answers how many. */
    public int purgeExpired() {
        Instant now = clock.instant();
        int[] n = {0};
        bindings.values().removeIf(b -> {
            boolean gone = b.isExpiredAt(now);
            if (gone) {
                n[0]++;
            }
            return gone;
        });
        return n[0];
    }

    public void clear() {
        bindings.clear();
    }
}
