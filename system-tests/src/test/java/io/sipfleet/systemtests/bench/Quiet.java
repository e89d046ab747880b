package io.sipfleet.systemtests.bench;


import io.sipfleet.simulator.testing.Procfs;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Waits until the processes a measurement involves are idle (together under 10% of one core over the last
 * second), so that one round's leftovers (a fleet's unregistrations, Kamailio's replication, a GC) are not billed
 * to the next. Bounded; says so when they never went quiet.
 */
final class Quiet {
    private Quiet() {
    }

    /** @return seconds waited */
    static double awaitIdle(Report report, String what, Duration atMost, long... pids) {
        long t0 = System.nanoTime();
        long[] last = {ticks(pids), System.nanoTime()};
        try {
            org.awaitility.Awaitility.await(what + " quiet").atMost(atMost).pollInterval(Duration.ofSeconds(1)).pollDelay(Duration.ofSeconds(1))
                    .until(() -> {
                        long now = System.nanoTime();
                        long t = ticks(pids);
                        double cores = (t - last[0]) / (double) Procfs.clockTicks() / ((now - last[1]) / 1e9);
                        last[0] = t;
                        last[1] = now;
                        return cores < 0.10;
                    });
        } catch (ConditionTimeoutException e) {
            report.line("  (%s did not go quiet within %d s; going on)", what, atMost.toSeconds());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long ticks(long... pids) {
        long sum = 0;
        for (long pid : pids) {
            sum += Procfs.cpuTicksOfTree(pid);
        }
        return sum;
    }
}
