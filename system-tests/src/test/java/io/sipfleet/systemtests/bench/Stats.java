package io.sipfleet.systemtests.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/** Percentiles of a sample (nearest rank). */
final class Stats {
    private final double[] sorted;

    Stats(double[] values) {
        this.sorted = values.clone();
        Arrays.sort(sorted);
    }

    static Stats of(Collection<Double> values) {
        return new Stats(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    int count() {
        return sorted.length;
    }

    double pct(double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    double min() {
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }

    double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    long countAbove(double limit) {
        return Arrays.stream(sorted).filter(v -> v > limit).count();
    }

    long countAbsAbove(double limit) {
        return Arrays.stream(sorted).filter(v -> Math.abs(v) > limit).count();
    }

    /** "n N: min .. p50 .. p99 .. max" in ms with the given decimals. */
    String describe(int decimals) {
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, "n %d: min " + f + ", p50 " + f + ", p90 " + f + ", p99 " + f + ", max " + f,
                count(), min(), pct(50), pct(90), pct(99), max());
    }
}
