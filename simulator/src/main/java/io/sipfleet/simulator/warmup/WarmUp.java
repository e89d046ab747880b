package io.sipfleet.simulator.warmup;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.builtin.Accounts;
import io.sipfleet.simulator.builtin.BuiltinServerGroup;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetListener;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.sip.JainSipSignalling;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Runs the failover paths once before the simulator says it is ready, so that the first failover a user
 * measures is as punctual as the later ones: class loading, the JIT, the first request to a new server,
 * the paths a 503, a silent server and a digest challenge take through the SIP stack and the device
 * model. A private fleet (own T1, no listeners: nothing of it reaches MQTT, metrics or the API)
 * registers with digest authentication on a private primary/backup pair on loopback, then fails over
 * between them several times (503, silent), on the same shards and the same SIP stack the user's phones
 * use. What the rounds after the first cost in CPU per SIP transaction is this instance's first measure
 * of its capacity.
 */
public final class WarmUp {
    private static final System.Logger LOG = System.getLogger(WarmUp.class.getName());
    private static final String FLEET = "sipfleet-warmup";
    /** A round that takes longer than this (a very busy machine) is left for the next one. */
    private static final long ROUND_NANOS = 5_000_000_000L;

    /**
     * @param phones  phones of the private fleet
     * @param rounds  failover rounds (each: the active server answers 503 or is silent, every phone re-registers)
     * @param t1Ms    the private fleet's T1 (a silent server is given up after 15 x T1)
     * @param timeout bound of the whole warm-up
     */
    public record Settings(int phones, int rounds, long t1Ms, Duration timeout) {
        /** 200 phones, five rounds (503, 503, silent, 503, 503), T1 = 50 ms, at most 30 s. */
        public static Settings defaults() {
            return new Settings(200, 5, 50, Duration.ofSeconds(30));
        }
    }

    /**
     * @param transactions         SIP transactions of the measured rounds
     * @param cpuNanosPerTransaction process CPU per transaction over them (the whole process: GC, everything)
     * @param tookMs               how long the warm-up took
     * @param complete             every round ended with every phone where it should be
     */
    public record Result(long transactions, double cpuNanosPerTransaction, long tookMs, boolean complete) {
    }

    private WarmUp() {}

    /**
     * Runs it.
     *
     * @param cpuNanos the process's CPU time so far
     */
    public static Result run(ShardedScheduler shards, JainSipSignalling signalling, Settings s, LongSupplier cpuNanos)
            throws IOException {
        long started = System.nanoTime();
        long deadline = started + s.timeout().toNanos();
        int p1 = freePort();
        int p2 = freePort();
        while (p2 == p1) {
            p2 = freePort();
        }
        var config = BuiltinServerGroup.Config.primaryBackup("127.0.0.1", p1, "127.0.0.1", p2).withoutTls()
                .withT1Ms((int) s.t1Ms());
        boolean complete = true;
        long tx = 0;
        long cpu = 0;
        try (BuiltinServerGroup servers = new BuiltinServerGroup(config, Accounts.withRule(u -> "warm-up"));
             FleetManager fleets = new FleetManager(shards, signalling, new SipTimers(s.t1Ms()), FleetListener.NONE,
                     1, 20)) {
            LineConfig.Builder line = LineConfig.builder().registerAddr("127.0.0.1").registerPort(p1)
                    .backupAddr("127.0.0.1").backupPort(p2).user(FLEET).enableFailback(false).keepAliveInterval(0)
                    .registerRetryInterval(1);
            Fleet fleet = fleets.create(new FleetSpec(FLEET, FirmwareProfile.byName("V3").orElseThrow(), s.phones(),
                    900_000_000L, "warm-up", "", 2_000, false, 0, line));
            complete &= await(fleet, f -> f.summary().byState().getOrDefault("registered", 0) == s.phones(),
                    Math.min(deadline, System.nanoTime() + ROUND_NANOS));
            String[] roles = {"primary", "backup"};
            for (int round = 0; round < s.rounds() && System.nanoTime() - deadline < 0; round++) {
                if (round == 1) { // the first round pays for class loading: measure the rest
                    tx = signalling.transactions();
                    cpu = cpuNanos.getAsLong();
                }
                // the phones go where the other server is: from wherever each one is now
                String to = roles[(round + 1) % 2];
                String from = roles[round % 2];
                servers.server(to).setMode(Mode.UP);
                servers.server(from).setMode(round == 2 ? Mode.SILENT : Mode.ERROR_503);
                fleets.forEachPaced(fleet, p -> p.register(1));
                complete &= await(fleet, f -> count(f, to) == s.phones(),
                        Math.min(deadline, System.nanoTime() + ROUND_NANOS));
            }
            tx = signalling.transactions() - tx;
            cpu = cpuNanos.getAsLong() - cpu;
            servers.servers().forEach(x -> x.setMode(Mode.UP));
            fleets.delete(FLEET).ifPresent(f -> {
                try {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "warm-up fleet removal: " + e);
                }
            });
        }
        settle(deadline);
        long took = (System.nanoTime() - started) / 1_000_000;
        Result r = new Result(tx, tx > 0 ? (double) cpu / tx : 0, took, complete);
        LOG.log(complete ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "warm-up: " + s.phones()
                + " phones registered with digest and failed over " + s.rounds() + " times (503, silent) in "
                + took + " ms" + (complete ? "" : ", CUT SHORT (not every phone moved in time)")
                + String.format(Locale.ROOT, "; %d SIP transactions at %.0f µs of CPU each", tx,
                r.cpuNanosPerTransaction() / 1000));
        return r;
    }

    /**
     * Leaves the JVM quiet for the run to come: the warm-up's garbage collected now rather than in a pause
     * during the first measured failover, and the JIT done with what the warm-up gave it to compile (its
     * compiler threads would take the CPU from the phones' shards on a small machine), at most 3 s.
     */
    private static void settle(long deadlineNanos) {
        System.gc();
        var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long until = Math.min(deadlineNanos, System.nanoTime() + 3_000_000_000L);
        long last = jit.getTotalCompilationTime();
        while (System.nanoTime() - until < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
            long now = jit.getTotalCompilationTime();
            if (now - last <= 5) { // under 5 ms of compiling in 200 ms: quiet
                return;
            }
            last = now;
        }
    }

    private static int count(Fleet f, String server) {
        return f.summary().byActiveServer().getOrDefault(server, 0);
    }

    private static boolean await(Fleet f, Predicate<Fleet> done, long deadlineNanos) {
        while (!done.test(f)) {
            if (System.nanoTime() - deadlineNanos > 0) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
        }
        return true;
    }

    /** A port free for both UDP and TCP on 127.0.0.1 now. */
    private static int freePort() throws IOException {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        for (int i = 0; i < 50; i++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, lo)) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(port, lo)) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no free port on 127.0.0.1 for the warm-up servers");
    }
}
