package io.sipfleet.faults;

import java.util.Collection;
import java.util.Optional;

/** The registry of fault types, keyed by name. */
public final class FaultTypes {

    /** blackhole, unreachable, respond, delay, loss, duplicate, reorder, tcp-connect-timeout, tcp-reset. */
    public static FaultTypes standard() {
        throw new UnsupportedOperationException("TODO");
    }

    /** A registry with one more type (a name already taken is refused). */
    public FaultTypes with(FaultType type) {
        throw new UnsupportedOperationException("TODO");
    }

    public Optional<FaultType> type(String name) {
        throw new UnsupportedOperationException("TODO");
    }

    /** In registration order. */
    public Collection<FaultType> all() {
        throw new UnsupportedOperationException("TODO");
    }
}
