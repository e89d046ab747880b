package io.sipfleet.simulator.runtime;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * What this instance can carry, measured on itself: the CPU one SIP transaction costs the whole process
 * (the SIP stack, the phones, MQTT, metrics, GC: everything a user runs), sampled whenever there is load
 * enough to measure, and the cores it has. A fleet's projected steady load (keep-alives and registration
 * refreshes a second) is compared with it.
 */
public final class Capacity {
    /** Share of the cores the simulator may plan to use: the rest is headroom for bursts (a failover storm). */
    public static final double TARGET_UTILISATION = 0.7;
    /**
     * Fewer transactions than this in a sample (5 s) tell nothing: the process's own idle work (metrics,
     * MQTT, GC of a quiet heap) would be charged to a few transactions.
     */
    private static final long MIN_TRANSACTIONS = 2_000;

    private final LongSupplier cpuNanos;
    private final LongSupplier transactions;
    private final int cores;
    private long lastCpu = -1;
    private long lastTx;
    private volatile double nanosPerTransaction;
    private volatile String measuredHow;

    /**
     * @param cpuNanos      the process's CPU time so far (ns)
     * @param transactions  SIP transactions carried out so far
     * @param cores         processors available
     * @param initialNanos  the cost per transaction to assume until one is measured
     */
    public Capacity(LongSupplier cpuNanos, LongSupplier transactions, int cores, double initialNanos) {
        this.cpuNanos = cpuNanos;
        this.transactions = transactions;
        this.cores = cores;
        this.nanosPerTransaction = initialNanos;
        this.measuredHow = "assumed, not yet measured";
    }

    /** The process's CPU time from the JVM (ns). */
    public static LongSupplier processCpu() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun::getProcessCpuTime;
        }
        return () -> -1;
    }

    /** Takes a sample: when enough transactions ran since the last one, their cost is folded in. */
    public synchronized void sample() {
        long cpu = cpuNanos.getAsLong();
        long tx = transactions.getAsLong();
        if (cpu < 0) {
            return;
        }
        if (lastCpu >= 0 && tx - lastTx >= MIN_TRANSACTIONS) {
            double cost = (double) (cpu - lastCpu) / (tx - lastTx);
            record(cost, "measured under load");
        }
        lastCpu = cpu;
        lastTx = tx;
    }

    /** A cost measured elsewhere (the warm-up at start). */
    public synchronized void record(double nanos, String how) {
        // smoothed: one sample (a GC, a burst of other work) does not swing the capacity
        nanosPerTransaction = measuredHow.startsWith("assumed") ? nanos
                : nanos > nanosPerTransaction ? 0.5 * nanosPerTransaction + 0.5 * nanos
                : 0.7 * nanosPerTransaction + 0.3 * nanos;
        measuredHow = how;
    }

    /** CPU per SIP transaction (ns). */
    public double nanosPerTransaction() {
        return nanosPerTransaction;
    }

    public String measuredHow() {
        return measuredHow;
    }

    public int cores() {
        return cores;
    }

    /** SIP transactions a second this instance can carry with headroom. */
    public double transactionsPerSecond() {
        return cores * TARGET_UTILISATION * 1e9 / nanosPerTransaction;
    }

    /**
     * The steady load of {@code phones} phones (SIP transactions a second): an OPTIONS every keep-alive
     * interval, a REGISTER refresh every 90% of the TTL (two with digest authentication: the challenge
     * and the answer).
     */
    public static double steadyLoad(int phones, int keepAliveSeconds, int ttlSeconds, boolean digest) {
        double perPhone = 0;
        if (keepAliveSeconds > 0) {
            perPhone += 1.0 / keepAliveSeconds;
        }
        if (ttlSeconds > 0) {
            perPhone += (digest ? 2.0 : 1.0) / (0.9 * ttlSeconds);
        }
        return phones * perPhone;
    }

    /** What the capacity is, for a person. */
    public String describe() {
        return String.format(Locale.ROOT, "%,.0f SIP transactions/s (%.0f µs of CPU each, %s, on %d cores at %.0f%%)",
                transactionsPerSecond(), nanosPerTransaction / 1000, measuredHow, cores, TARGET_UTILISATION * 100);
    }
}
