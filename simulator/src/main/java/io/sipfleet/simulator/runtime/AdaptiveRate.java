package io.sipfleet.simulator.runtime;

import java.util.function.DoubleSupplier;

/**
 * How fast to start new work (power a phone on, carry out a fleet-wide command on one more phone) so
 * that the simulator does not fall behind itself: up to the requested rate while its lag is low, less
 * once the lag stays high for two adjustment periods (multiplicative decrease), back up step by step as
 * it falls (additive increase), as TCP's congestion control does. Not thread-safe: one pacer thread asks it.
 */
public final class AdaptiveRate {
    /** Below this share of the threshold the rate may grow; above HIGH it shrinks. */
    private static final double LOW = 0.25;
    private static final double HIGH = 0.5;
    private static final long ADJUST_NANOS = 100_000_000L;
    private static final double FLOOR = 20;
    /** With no requested rate ("all at once"), start from this many a second. */
    private static final double UNBOUNDED_START = 20_000;

    private final double requested;
    private final DoubleSupplier lagMs;
    private final double thresholdMs;
    private double rate;
    private double credit;
    private long last = Long.MIN_VALUE;
    private long lastAdjust = Long.MIN_VALUE;
    private boolean throttled;
    /** Adjustment periods in a row with the lag above HIGH: one alone (a GC pause) is not a trend. */
    private int highInARow;
    /** Permits handed out in the last second, for the effective rate. */
    private final long[] window = new long[10];
    private final long[] windowAt = new long[10];
    private int slot;

    /**
     * @param requestedPerSecond the rate asked for; 0 = as fast as the simulator keeps up
     * @param lagMs              the simulator's current lag (ms)
     * @param thresholdMs        the overload threshold (ms)
     */
    public AdaptiveRate(double requestedPerSecond, DoubleSupplier lagMs, double thresholdMs) {
        this.requested = requestedPerSecond <= 0 ? Double.POSITIVE_INFINITY : requestedPerSecond;
        this.lagMs = lagMs;
        this.thresholdMs = thresholdMs;
        this.rate = Math.min(this.requested, UNBOUNDED_START);
        if (this.requested != Double.POSITIVE_INFINITY) {
            this.rate = this.requested;
        }
    }

    /** How many may start now. */
    public int permits(long nowNanos) {
        if (last == Long.MIN_VALUE) {
            last = nowNanos;
            lastAdjust = nowNanos;
            credit = 1; // the first one goes at once
        }
        adjust(nowNanos);
        credit += rate * (nowNanos - last) / 1e9;
        last = nowNanos;
        double cap = Math.max(1, rate / 10); // at most 100 ms of work at once
        credit = Math.min(credit, cap);
        int n = (int) credit;
        credit -= n;
        record(nowNanos, n);
        return n;
    }

    private void adjust(long nowNanos) {
        if (nowNanos - lastAdjust < ADJUST_NANOS) {
            return;
        }
        lastAdjust = nowNanos;
        double lag = lagMs.getAsDouble();
        highInARow = lag > thresholdMs * HIGH ? highInARow + 1 : 0;
        if (highInARow >= 2) {
            rate = Math.max(FLOOR, rate * 0.7);
            throttled = true;
        } else if (lag < thresholdMs * LOW && rate < requested) {
            double step = requested == Double.POSITIVE_INFINITY ? rate * 0.2 : Math.max(requested * 0.05, FLOOR);
            rate = Math.min(requested, rate + step);
            throttled = rate < requested;
        }
    }

    private void record(long nowNanos, int n) {
        int s = (int) ((nowNanos / 100_000_000L) % window.length);
        if (s != slot || nowNanos - windowAt[s] > 1_000_000_000L) {
            slot = s;
            window[s] = 0;
            windowAt[s] = nowNanos;
        }
        window[s] += n;
    }

    /** Started in the last second (per second). */
    public double effectivePerSecond(long nowNanos) {
        long sum = 0;
        for (int i = 0; i < window.length; i++) {
            if (nowNanos - windowAt[i] <= 1_000_000_000L) {
                sum += window[i];
            }
        }
        return sum;
    }

    /** The rate it allows now (per second). */
    public double allowedPerSecond() {
        return rate;
    }

    /** Whether it is below the requested rate because the simulator lagged. */
    public boolean throttled() {
        return throttled;
    }
}
