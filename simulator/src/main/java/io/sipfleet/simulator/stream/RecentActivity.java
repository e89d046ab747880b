package io.sipfleet.simulator.stream;

import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetListener;
import java.util.function.LongSupplier;

/**
 * Failovers and failbacks of every phone in the last minute, counted in one-second buckets as the events
 * pass (on the event thread): what a summary shows without looking at any phone.
 */
public final class RecentActivity implements FleetListener {
    private static final int SECONDS = 60;
    private final LongSupplier clockMs;
    private final long[] second = new long[SECONDS];
    private final int[] failovers = new int[SECONDS];
    private final int[] failbacks = new int[SECONDS];

    public RecentActivity(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    public RecentActivity() {
        this(System::currentTimeMillis);
    }

    @Override
    public void onEvent(FleetEvent e) {
        PhoneEvent p = e.event();
        if (p instanceof PhoneEvent.Failover) {
            count(failovers);
        } else if (p instanceof PhoneEvent.Failback) {
            count(failbacks);
        }
    }

    private synchronized void count(int[] counts) {
        long s = clockMs.getAsLong() / 1000;
        int i = (int) Math.floorMod(s, (long) SECONDS);
        if (second[i] != s) {
            second[i] = s;
            failovers[i] = 0;
            failbacks[i] = 0;
        }
        counts[i]++;
    }

    /** Failovers in the last 60 s. */
    public int failoversLastMinute() {
        return sum(failovers);
    }

    /** Failbacks in the last 60 s. */
    public int failbacksLastMinute() {
        return sum(failbacks);
    }

    private synchronized int sum(int[] counts) {
        long now = clockMs.getAsLong() / 1000;
        int n = 0;
        for (int i = 0; i < SECONDS; i++) {
            if (now - second[i] < SECONDS) {
                n += counts[i];
            }
        }
        return n;
    }
}
