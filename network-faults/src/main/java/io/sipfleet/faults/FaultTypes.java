package io.sipfleet.faults;

import io.sipfleet.faults.types.StandardTypes;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The registry of fault types, keyed by name. Immutable: {@link #with} gives a new registry. */
public final class FaultTypes {

    private final Map<String, FaultType> byName;

    private FaultTypes(Map<String, FaultType> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    /** A registry with no type at all (add some with {@link #with}). */
    public static FaultTypes empty() {
        return new FaultTypes(new LinkedHashMap<>());
    }

    /** blackhole, unreachable, respond, delay, loss, duplicate, reorder, tcp-connect-timeout, tcp-reset. */
    public static FaultTypes standard() {
        FaultTypes types = empty();
        for (FaultType t : StandardTypes.all()) {
            types = types.with(t);
        }
        return types;
    }

    /**
     * A registry with one more type (a name already taken is refused).
     *
     * @throws IllegalArgumentException when the name is blank, not lower-case, or taken
     */
    public FaultTypes with(FaultType type) {
        String name = type.name();
        if (name == null || name.isBlank() || !name.equals(name.trim().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("a fault type's name must be lower-case, without blanks: '" + name + "'");
        }
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("a fault type named '" + name + "' is already registered");
        }
        Map<String, FaultType> copy = new LinkedHashMap<>(byName);
        copy.put(name, type);
        return new FaultTypes(copy);
    }

    /** The type of that name (case-insensitive, blanks around ignored). */
    public Optional<FaultType> type(String name) {
        if (name == null) {
            return Optional.empty();
        }
        FaultType t = byName.get(name);
        return t != null ? Optional.of(t) : Optional.ofNullable(byName.get(name.trim().toLowerCase(Locale.ROOT)));
    }

    /** In registration order. */
    public Collection<FaultType> all() {
        return byName.values();
    }

    /** The names, in registration order (for error messages and docs). */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
