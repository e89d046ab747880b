package io.sipfleet.device.time;

/**
 * Runs tasks later on the simulation clock. The device model never blocks and never makes threads:
 * every wait is a task given to this port. Implementations run the tasks of one phone one at a
 * time, never concurrently.
 */
public interface Scheduler extends Clock {
    /**
     * Runs {@code task} {@code delayMillis} from now (0 = after the current task, at the same instant).
     */
    Cancellable schedule(long delayMillis, Runnable task);
}
