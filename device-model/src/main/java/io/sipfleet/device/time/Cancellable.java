package io.sipfleet.device.time;

/** A scheduled task that can still be called off. Cancelling twice, or after it ran, does nothing. */
@FunctionalInterface
public interface Cancellable {
    Cancellable NONE = () -> {};

    void cancel();
}
