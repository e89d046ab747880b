package io.sipfleet.simulator.runtime;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Optional;

/**
 * The garbage collector this JVM runs, and what it means for the phones' timing (README "Which JVM"): with G1 (the
 * default) or Parallel, young collections stop every thread for 10-50 ms on this 2-core machine while thousands of
 * phones allocate, so phones' timers and sends run that much late (said, as {@code overloaded} and
 * {@code sent-late}, but late). ZGC and Shenandoah pause for under a millisecond: with {@code -XX:+UseZGC} the
 * fleet timing benchmark's p99 at 10,000 phones fell from +21-63 ms to +4.2 ms.
 */
public final class Collector {
    private Collector() {
    }

    /** The collector of this JVM, by its MXBeans' names. */
    public static String name() {
        return name(ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                .toList());
    }

    static String name(List<String> beans) {
        String all = String.join(" ", beans);
        if (all.contains("ZGC")) {
            return "ZGC";
        }
        if (all.contains("Shenandoah")) {
            return "Shenandoah";
        }
        if (all.contains("G1")) {
            return "G1";
        }
        if (all.contains("PS ") || all.contains("Parallel")) {
            return "Parallel";
        }
        if (all.contains("Copy") || all.contains("MarkSweepCompact")) {
            return "Serial";
        }
        return beans.isEmpty() ? "unknown" : all;
    }

    /** A warning for a collector whose pauses delay the phones, or empty for a low-pause one. */
    public static Optional<String> advice(String collector) {
        if ("ZGC".equals(collector) || "Shenandoah".equals(collector)) {
            return Optional.empty();
        }
        return Optional.of("the JVM runs the " + collector + " garbage collector: its pauses (10-50 ms here under "
                + "load) make the phones' timers and sends late, which the overload watch then reports; start the "
                + "JVM with -XX:+UseZGC (README \"Which JVM\") for pauses under a millisecond");
    }
}
