package io.sipfleet.simulator.fleet;

/** A fleet of that name exists already. */
public final class FleetNameTakenException extends RuntimeException {
    private final String name;

    public FleetNameTakenException(String name) {
        super("a fleet named '" + name + "' exists already; delete it first or choose another name");
        this.name = name;
    }

    public String name() {
        return name;
    }
}
