package io.sipfleet.simulator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pace of a ramp: the requested rate while the simulator keeps up, less while it lags, back after. */
class AdaptiveRateTest {
    private static final long MS = 1_000_000L;
    private double lagMs;
    private long now = 1_000 * MS;

    /** Permits handed out over {@code ms}, asked every 10 ms. */
    private long run(AdaptiveRate r, long ms) {
        long n = 0;
        for (long t = 0; t < ms; t += 10) {
            n += r.permits(now);
            now += 10 * MS;
        }
        return n;
    }

    @Test
    void withNoLagItKeepsTheRequestedRate() {
        AdaptiveRate r = new AdaptiveRate(2_000, () -> lagMs, 50);
        assertThat(run(r, 10_000)).isBetween(19_900L, 20_100L);
        assertThat(r.effectivePerSecond(now - 10 * MS)).isBetween(1_900.0, 2_100.0);
        assertThat(r.throttled()).isFalse();
    }

    @Test
    void whenTheLagGrowsItSlowsDownAndWhenItFallsItCatchesUp() {
        AdaptiveRate r = new AdaptiveRate(2_000, () -> lagMs, 50);
        run(r, 1_000);
        lagMs = 40; // above half the threshold
        run(r, 1_000);
        assertThat(r.allowedPerSecond()).isLessThan(100);
        assertThat(r.throttled()).isTrue();
        long whileLagging = run(r, 1_000);
        assertThat(whileLagging).isLessThan(100);
        lagMs = 1;
        run(r, 3_000);
        assertThat(r.allowedPerSecond()).isEqualTo(2_000);
        assertThat(r.throttled()).isFalse();
    }

    @Test
    void betweenLowAndHighLagItHoldsItsRate() {
        AdaptiveRate r = new AdaptiveRate(1_000, () -> lagMs, 50);
        lagMs = 40;
        run(r, 300);
        double held = r.allowedPerSecond();
        lagMs = 20; // between a quarter and a half of the threshold
        run(r, 2_000);
        assertThat(r.allowedPerSecond()).isEqualTo(held);
    }

    @Test
    void allAtOnceStillPacesItselfOnTheLag() {
        AdaptiveRate r = new AdaptiveRate(0, () -> lagMs, 50);
        assertThat(r.permits(now)).as("the first goes at once").isEqualTo(1);
        now += 10 * MS;
        assertThat(r.permits(now)).isEqualTo(200);
        lagMs = 100;
        run(r, 2_000);
        assertThat(r.allowedPerSecond()).isLessThan(1_000);
    }
}
