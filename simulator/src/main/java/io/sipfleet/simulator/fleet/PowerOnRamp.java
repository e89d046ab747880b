package io.sipfleet.simulator.fleet;

import io.sipfleet.simulator.runtime.AdaptiveRate;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Starts something on a list of phones at a paced rate (power-on at the fleet's {@code rampPerSecond},
 * a fleet-wide command as fast as the simulator keeps up), slowing itself when the simulator's lag grows
 * and catching up when it falls ({@link AdaptiveRate}). Each phone's part runs on its own shard.
 */
public final class PowerOnRamp {
    private static final long TICK_MS = 10;
    private final List<PhoneHandle> phones;
    private final Consumer<PhoneHandle> action;
    private final AdaptiveRate rate;
    private final double requested;
    private final AtomicInteger done = new AtomicInteger();
    private volatile int released;
    private volatile double effective;
    private volatile boolean throttled;
    private volatile boolean cancelled;
    private ScheduledFuture<?> ticker;

    /**
     * @param action runs on the phone's shard (counted as done once it ran)
     */
    PowerOnRamp(List<PhoneHandle> phones, double requestedPerSecond, AdaptiveRate rate, Consumer<PhoneHandle> action) {
        this.phones = List.copyOf(phones);
        this.requested = requestedPerSecond;
        this.rate = rate;
        this.action = action;
    }

    synchronized PowerOnRamp start(ScheduledExecutorService pacer) {
        ticker = pacer.scheduleAtFixedRate(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    private synchronized void tick() {
        if (cancelled || released >= phones.size()) {
            stop();
            return;
        }
        long now = System.nanoTime();
        int n = Math.min(rate.permits(now), phones.size() - released);
        for (int i = 0; i < n; i++) {
            PhoneHandle h = phones.get(released++);
            h.shard().execute(() -> {
                if (!cancelled) {
                    action.accept(h);
                }
                done.incrementAndGet();
            });
        }
        effective = rate.effectivePerSecond(now);
        throttled = rate.throttled();
        if (released >= phones.size()) {
            stop();
        }
    }

    private void stop() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        effective = 0;
        throttled = false;
    }

    /** Stops starting more. */
    void cancel() {
        cancelled = true;
    }

    /** Phones whose part ran. */
    public int poweredOn() {
        return done.get();
    }

    /** The rate asked for (0 = as fast as the simulator keeps up). */
    public double requestedPerSecond() {
        return requested;
    }

    /** The rate it reached over the last second. */
    public double effectivePerSecond() {
        return effective;
    }

    /** Whether it is slower than asked because the simulator lagged. */
    public boolean throttled() {
        return throttled;
    }

    /** Whether every phone's part ran. */
    public boolean finished() {
        return done.get() >= phones.size();
    }
}
