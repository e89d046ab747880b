package io.sipfleet.simulator.fleet;

/**
 * A fleet whose projected steady load exceeds what this instance measured it can carry, refused because
 * capacity is enforced ({@code sipfleet.capacity.enforce}). Nothing was created.
 */
public final class CapacityExceededException extends RuntimeException {
    private final double projectedPerSecond;
    private final double capacityPerSecond;

    public CapacityExceededException(String message, double projectedPerSecond, double capacityPerSecond) {
        super(message);
        this.projectedPerSecond = projectedPerSecond;
        this.capacityPerSecond = capacityPerSecond;
    }

    public double projectedPerSecond() {
        return projectedPerSecond;
    }

    public double capacityPerSecond() {
        return capacityPerSecond;
    }
}
