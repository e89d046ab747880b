package io.sipfleet.device.time;

/** The simulation clock: milliseconds (epoch milliseconds in the runtime, from 0 in tests). */
@FunctionalInterface
public interface Clock {
    long now();
}
