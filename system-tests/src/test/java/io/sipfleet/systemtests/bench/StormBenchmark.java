package io.sipfleet.systemtests.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.sipp.Sipp;
import io.sipfleet.simulator.testing.Procfs;
import io.sipfleet.systemtests.PacketCapture;
import io.sipfleet.systemtests.ServiceProcess;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The storm benchmark of issue 9: the packaged service (java -jar, -Xmx1g, built-in servers off, no demo fleet)
 * against a real Kamailio primary/backup pair, driven through REST and MQTT only, side by side with SIPp.
 *
 * <pre>
 * ./mvnw -B -pl system-tests -am verify -Dsipfleet.bench=true -Dtest=StormBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DskipITs
 * </pre>
 *
 * <ol>
 *   <li>CPU per registration, cold and warmed, beside SIPp: {@code cpuPhones} V3 phones (UDP, digest, T1 500 ms,
 *       no keep-alive) ramped at {@code ramp}/s right after start (cold), deleted, again (warmed), deleted; then SIPp
 *       registering as many other users against the same primary, paced at the ramp's rate, and flat out. CPU is
 *       the delta of the process's utime + stime over the round (/proc).</li>
 *   <li>The storm: {@code phones} V3 phones (UDP, T1 500 ms, keep-alive {@code keepAliveInterval} s, failback
 *       {@code failbackInterval} s, TTL {@code registerTtl} s) ramped at {@code ramp}/s; held {@code holdSeconds}
 *       counting false failovers (failovers and failures in /q/metrics, phones off the primary); heap per phone after
 *       GC and RSS; the primary killed (SIGKILL) and the time until every phone is on the backup, with each phone's
 *       delay from its {@code keepalive-timeout} event (MQTT) to its first REGISTER to the backup (pcap); the primary
 *       restarted and the time until every phone is back on it.</li>
 * </ol>
 *
 * <p>Options (system properties {@code sipfleet.bench.*}): {@code phones} (100000), {@code ramp} (2000),
 * {@code cpuPhones} (10000; 0 skips part 1), {@code holdSeconds} (300), {@code keepAliveInterval} (30),
 * {@code failbackInterval} (60), {@code registerTtl} (3600), {@code t1} ms (500), {@code xmx} (1g),
 * {@code jvmArgs} (more options for the service, e.g. -XX:StartFlightRecording=filename=target/bench/storm.jfr),
 * {@code kamailioMemoryMb} (1024), {@code sippFlatLimit} (50), {@code raiseIcmpLimits} (true: as root, raise
 * net.ipv4.icmp_msgs_per_sec / icmp_msgs_burst for the run and restore them), {@code icmpMsgsPerSec} (100000),
 * {@code icmpMsgsBurst} (100000), {@code pollMillis} (500), {@code eventsOverMqtt} (false: the storm's events are read over
 * REST after it for {@code eventSample} (10000) phones spread over the fleet; true: an MQTT subscriber to every phone's
 * events during it, which makes the service publish them all).
 *
 * <p>Prints figures to stdout and target/bench/storm-benchmark-*.txt; asserts only that the phones registered.
 */
@EnabledIfSystemProperty(named = "sipfleet.bench", matches = "true",
        disabledReason = "a benchmark: run it with -Dsipfleet.bench=true (see the class comment)")
class StormBenchmark {
    private static final long CPU_USERS_COLD = 1_000_000;
    private static final long CPU_USERS_WARM = 1_100_000;
    private static final long SIPP_PACED_USERS = 700_000;
    private static final long SIPP_FLAT_USERS = 800_000;
    private static final long STORM_USERS = 2_000_000;

    private final Report report = new Report("storm-benchmark");

    @Test
    void storm() throws Exception {
        assumeTrue(KamailioPair.available(), KamailioPair.unavailableReason());
        assumeTrue(Sipp.available(), Sipp.unavailableReason());
        assumeTrue(ServiceProcess.jarAvailable(), ServiceProcess.jarUnavailableReason());
        assumeTrue(PacketCapture.available(), "tshark is not installed (apt-get install tshark)");
        Options o = new Options();
        int phones = o.integer("phones", 100_000);
        double ramp = o.decimal("ramp", 2_000);
        int cpuPhones = o.integer("cpuPhones", 10_000);
        int holdS = o.integer("holdSeconds", 300);
        int keepAlive = o.integer("keepAliveInterval", 30);
        int failback = o.integer("failbackInterval", 60);
        int ttl = o.integer("registerTtl", 3600);
        long t1 = o.longValue("t1", 500);
        String xmx = o.string("xmx", "1g");
        String jvmArgs = o.string("jvmArgs", "");
        int kamailioMb = o.integer("kamailioMemoryMb", 1024);
        int sippFlatLimit = o.integer("sippFlatLimit", 50);
        boolean raiseIcmp = o.flag("raiseIcmpLimits", true);
        int icmpPerSec = o.integer("icmpMsgsPerSec", 100_000);
        int icmpBurst = o.integer("icmpMsgsBurst", 100_000);
        Duration poll = Duration.ofMillis(o.integer("pollMillis", 500));
        eventsOverMqtt = o.flag("eventsOverMqtt", false);
        eventSample = o.integer("eventSample", 10_000);

        report.machine();
        report.line("options: %s", o.describe());
        try (IcmpLimits icmp = IcmpLimits.apply(raiseIcmp, icmpPerSec, icmpBurst);
             KamailioPair pair = KamailioPair.builder().tls(false).sharedMemoryMb(kamailioMb).start();
             ServiceProcess svc = ServiceProcess.builder("storm").builtinServers(false).jvmOption("-Xmx" + xmx)
                     .jvmOptions(jvmArgs).property("sipfleet.sip.t1", t1 + "ms").start();
             StatusWatch status = new StatusWatch(svc)) {
            report.line("%s", icmp.describe());
            report.line("Kamailio primary %s (pid %d), backup %s (pid %d), -m %d MB; logs in target/kamailio",
                    pair.primary().hostPort(), pair.primary().pid(), pair.backup().hostPort(), pair.backup().pid(),
                    kamailioMb);
            report.line("service: pid %d, %s; log %s", svc.pid(), String.join(" ", svc.command()), svc.logFile());
            Fleets fleets = new Fleets(svc, report);

            if (cpuPhones > 0) {
                cpuPerRegistration(svc, pair, fleets, cpuPhones, ramp, t1, sippFlatLimit, poll);
            }
            storm(svc, pair, fleets, phones, ramp, holdS, keepAlive, failback, ttl, poll);

            report.section("lag the service reports (GET /api/status, polled every second)");
            report.line("  %s", status.describe());
            report.line("total %.1f s; load average at the end: %s", report.elapsedSeconds(), Procfs.loadAverage());
        } finally {
            report.write();
        }
    }

    // ------------------------------------------------------------------ (i) CPU per registration

    private record Round(String name, int n, int registered, int onPrimary, double failovers, double seconds,
                         double cpuS, double kamailioCpuS, long kamailioDrops) {
        double rate() {
            return registered / seconds;
        }

        double cpuPer1000() {
            return cpuS * 1000.0 / Math.max(1, registered);
        }
    }

    private void cpuPerRegistration(ServiceProcess svc, KamailioPair pair, Fleets fleets, int n, double ramp, long t1,
                                    int sippFlatLimit, Duration poll) throws Exception {
        report.section(String.format(java.util.Locale.ROOT, "(i) CPU per registration: %d V3 phones (UDP, digest, T1 %d "
                + "ms, no keep-alive) at %.0f/s, cold then warmed, beside SIPp", n, t1, ramp));
        Round cold = phoneRound(svc, pair, fleets, "cpu-cold", n, CPU_USERS_COLD, ramp, poll);
        Round warm = phoneRound(svc, pair, fleets, "cpu-warm", n, CPU_USERS_WARM, ramp, poll);
        long pacedRate = Math.max(1, Math.round(ramp));
        Sipp.Result paced = sippRound(svc, pair, Sipp.options("paced", pair.primary().hostPort(),
                Paths.get("target", "bench", "sipp-storm-paced")).users(SIPP_PACED_USERS, n).rate(pacedRate));
        Sipp.Result flat = sippRound(svc, pair, Sipp.options("flat", pair.primary().hostPort(),
                Paths.get("target", "bench", "sipp-storm-flat")).users(SIPP_FLAT_USERS, n).flatOut(sippFlatLimit));

        report.line("");
        report.line("  %-34s %-6s %-9s %-8s %-8s %-8s %-12s", "client", "regs", "failovers", "seconds", "reg/s",
                "CPU s", "CPU s/1000");
        for (Round r : List.of(cold, warm)) {
            report.line("  %-34s %-6d %-9.0f %-8.2f %-8.0f %-8.2f %-12.3f", "sipfleet service, " + r.name, r.registered,
                    r.failovers, r.seconds, r.rate(), r.cpuS, r.cpuPer1000());
        }
        for (Sipp.Result r : List.of(paced, flat)) {
            report.line("  %-34s %-6d %-9s %-8.2f %-8.0f %-8.2f %-12.3f", "SIPp " + r.name + " (-r " + r.rate + " -l "
                    + r.limit + ")", r.successful, "-", r.seconds, r.rateAchieved(), r.cpuS, r.cpuPer1000());
        }
        report.line("  ratios sipfleet/SIPp paced: CPU per registration cold x%.1f, warmed x%.1f (target <= 3 warmed); "
                        + "reg/s warmed x%.2f (target >= 0.9)", cold.cpuPer1000() / paced.cpuPer1000(),
                warm.cpuPer1000() / paced.cpuPer1000(), warm.rate() / paced.rateAchieved());
        report.line("  ratios sipfleet/SIPp flat out: CPU per registration warmed x%.1f, reg/s x%.2f",
                warm.cpuPer1000() / flat.cpuPer1000(), warm.rate() / flat.rateAchieved());
        report.line("  (service CPU = utime+stime of the whole service process over the round, fleet creation to the "
                + "last phone registered seen by polling GET /api/fleets/{name} every %d ms: phones, JAIN-SIP, MQTT "
                + "publishing, HTTP, GC, JIT; seconds = phone 1's 'registering' event to the last 'registered' event "
                + "of the last 100 phones, service clock. SIPp CPU = utime+stime of sipp over its whole run; seconds = "
                + "first REGISTER -> last 200 on SIPp's ms clock. Kamailio primary CPU: service rounds %.2f / %.2f s, "
                + "SIPp %.2f / %.2f s)", poll.toMillis(), cold.kamailioCpuS, warm.kamailioCpuS,
                lastKamailioCpu.getOrDefault("paced", Double.NaN), lastKamailioCpu.getOrDefault("flat", Double.NaN));
        assertThat(cold.registered).as("phones registered in the cold round").isEqualTo(n);
        assertThat(warm.registered).as("phones registered in the warmed round").isEqualTo(n);
    }

    private final Map<String, Double> lastKamailioCpu = new HashMap<>();

    private Round phoneRound(ServiceProcess svc, KamailioPair pair, Fleets fleets, String name, int n, long firstUser,
                             double ramp, Duration poll) {
        double quiet = Quiet.awaitIdle(report, "service and Kamailio", Duration.ofSeconds(30), svc.pid(),
                pair.primary().pid(), pair.backup().pid());
        report.line("  %s: starting after %.0f s of quiet; load average %s", name, quiet, Procfs.loadAverage());
        long kam0 = Procfs.cpuTicksOfTree(pair.primary().pid());
        long drops0 = Procfs.udpSocketDrops(pair.primary().host(), pair.primary().port());
        double failovers0 = Metrics.scrape(svc).sum("sipfleet_failovers_total");
        double cpu0 = svc.cpuSeconds();
        fleets.create(name, n, firstUser, ramp, Fleets.line(pair, 0, 1800, 3600));
        Fleets.Waited w = fleets.awaitFleet(name, "every phone registered", Duration.ofSeconds((long) (n / ramp * 4) + 60),
                poll, s -> s.state("registered") == s.count());
        double cpu1 = svc.cpuSeconds();
        long kam1 = Procfs.cpuTicksOfTree(pair.primary().pid());
        long drops1 = Procfs.udpSocketDrops(pair.primary().host(), pair.primary().port());
        double failovers = Metrics.scrape(svc).sum("sipfleet_failovers_total") - failovers0;
        double seconds = fleets.rampSeconds(name, n, Math.min(100, n));
        if (Double.isNaN(seconds)) {
            seconds = w.seconds();
        }
        Round r = new Round(name, n, w.last().state("registered"), w.last().on("primary"), failovers, seconds,
                cpu1 - cpu0, (kam1 - kam0) / (double) Procfs.clockTicks(), drops1 - drops0);
        report.line("  %s: %d/%d registered (%d on the primary, %.0f failovers) in %.2f s (%.0f/s); service CPU %.2f s "
                        + "= %.3f s per 1,000; RSS %s; Kamailio primary CPU %.2f s, UDP drops %d", name, r.registered, n,
                r.onPrimary, r.failovers, r.seconds, r.rate(), r.cpuS, r.cpuPer1000(), Report.mb(svc.rssBytes()),
                r.kamailioCpuS, r.kamailioDrops);
        long d0 = System.nanoTime();
        fleets.delete(name, Duration.ofSeconds(120 + n / 500));
        report.line("  %s deleted in %.1f s (each registered phone unregistered)", name, (System.nanoTime() - d0) / 1e9);
        return r;
    }

    private Sipp.Result sippRound(ServiceProcess svc, KamailioPair pair, Sipp.Options options) throws Exception {
        double quiet = Quiet.awaitIdle(report, "service and Kamailio", Duration.ofSeconds(30), svc.pid(),
                pair.primary().pid(), pair.backup().pid());
        long kam0 = Procfs.cpuTicksOfTree(pair.primary().pid());
        long drops0 = Procfs.udpSocketDrops(pair.primary().host(), pair.primary().port());
        Sipp.Result r = Sipp.register(options.timeout(Duration.ofSeconds(300)));
        long kam1 = Procfs.cpuTicksOfTree(pair.primary().pid());
        long drops1 = Procfs.udpSocketDrops(pair.primary().host(), pair.primary().port());
        lastKamailioCpu.put(r.name, (kam1 - kam0) / (double) Procfs.clockTicks());
        report.line("  %s; after %.0f s of quiet; Kamailio primary CPU %.2f s, UDP drops %d; files in %s", r, quiet,
                lastKamailioCpu.get(r.name), drops1 - drops0, r.dir);
        return r;
    }

    // ------------------------------------------------------------------ (ii) the storm

    /** Events of the storm: from an MQTT subscriber during it (true), or over REST for a sample after it (false). */
    private boolean eventsOverMqtt;
    private int eventSample;

    private void storm(ServiceProcess svc, KamailioPair pair, Fleets fleets, int n, double ramp, int holdS,
                       int keepAlive, int failbackInterval, int ttl, Duration poll) throws Exception {
        KamailioPair.Server primary = pair.primary();
        KamailioPair.Server backup = pair.backup();
        String name = "storm";
        report.section(String.format(java.util.Locale.ROOT, "(ii) storm: %d V3 phones (UDP, T1 500 ms, keep-alive %d s, "
                + "failback %d s, TTL %d s) ramped at %.0f/s", n, keepAlive, failbackInterval, ttl, ramp));
        long heap0 = svc.heapUsedAfterGcBytes();
        long rss0 = svc.rssBytes();
        report.line("  before: heap after GC %s, RSS %s, %d threads", Report.mb(heap0), Report.mb(rss0),
                svc.threadCount());

        // ramp
        Metrics mr0 = Metrics.scrape(svc);
        double cpu0 = svc.cpuSeconds();
        long t0 = System.currentTimeMillis();
        fleets.create(name, n, STORM_USERS, ramp, Fleets.line(pair, keepAlive, failbackInterval, ttl));
        Fleets.Waited ramped = fleets.awaitFleet(name, "every phone registered",
                Duration.ofSeconds((long) (n / ramp * 4) + 120), poll, s -> s.state("registered") == s.count());
        double cpu1 = svc.cpuSeconds();
        double exact = fleets.rampSeconds(name, n, Math.min(100, n));
        double polled = ((ramped.reached() ? ramped.reachedAtMillis() : System.currentTimeMillis()) - t0) / 1000.0;
        report.line("  ramp: %s %.1f s after the fleet was created, as polled (%.0f/s); phone 1 'registering' -> last "
                        + "'registered' %.2f s (%.0f/s, the ramp asked %.0f/s); service CPU %.1f s (%.3f s per 1,000, "
                        + "keep-alives of the phones already up included)",
                ramped.reached() ? "every phone registered" : "NOT all registered", polled, n / polled, exact,
                n / exact, ramp, cpu1 - cpu0, (cpu1 - cpu0) * 1000.0 / n);
        Metrics mr1 = Metrics.scrape(svc);
        report.line("  after the ramp: %s; during the ramp %.0f failovers, %.0f failures (metrics)", ramped.last(),
                mr1.sum("sipfleet_failovers_total") - mr0.sum("sipfleet_failovers_total"),
                mr1.sum("sipfleet_failures_total") - mr0.sum("sipfleet_failures_total"));
        assertThat(ramped.reached()).as("every phone of the storm fleet registered (sanity)").isTrue();

        // hold
        Metrics m0 = Metrics.scrape(svc);
        int[] minOnPrimary = {n};
        int[] maxNotRegistered = {0};
        int[] samples = {0};
        long h0 = System.nanoTime();
        double hcpu0 = svc.cpuSeconds();
        Fleets.hold(Duration.ofSeconds(holdS), Duration.ofSeconds(5), () -> {
            Fleets.Summary s = fleets.summary(name);
            samples[0]++;
            minOnPrimary[0] = Math.min(minOnPrimary[0], s.on("primary"));
            maxNotRegistered[0] = Math.max(maxNotRegistered[0], n - s.state("registered"));
            if (samples[0] % 6 == 0) {
                report.progress("hold: %s", s);
            }
        });
        double hcpu1 = svc.cpuSeconds();
        Metrics m1 = Metrics.scrape(svc);
        double failovers = m1.sum("sipfleet_failovers_total") - m0.sum("sipfleet_failovers_total");
        double failures = m1.sum("sipfleet_failures_total") - m0.sum("sipfleet_failures_total");
        double regFailed = m1.sum("sipfleet_register_failed_total") - m0.sum("sipfleet_register_failed_total");
        report.line("  hold %d s (%d samples of GET /api/fleets/%s every 5 s): false failovers %.0f, failures %.0f, "
                        + "register-failed %.0f (metrics deltas; target 0); fewest on the primary %d of %d, most not "
                        + "registered %d; service CPU %.1f s (%.2f cores)", holdS, samples[0], name, failovers, failures,
                regFailed, minOnPrimary[0], n, maxNotRegistered[0], hcpu1 - hcpu0,
                (hcpu1 - hcpu0) / ((System.nanoTime() - h0) / 1e9));
        if (failovers + failures > 0) {
            report.line("    failovers: %s", m1.series("sipfleet_failovers_total"));
            report.line("    failures: %s", m1.series("sipfleet_failures_total"));
        }
        long heap1 = svc.heapUsedAfterGcBytes();
        long rss1 = svc.rssBytes();
        report.line("  memory: heap after GC %s (%.2f KB per phone over the %s before), RSS %s (%s before the ramp; "
                        + "-Xmx sets how far the heap grows, so RSS is not per phone), %d threads", Report.mb(heap1),
                (heap1 - heap0) / 1024.0 / n, Report.mb(heap0), Report.mb(rss1), Report.mb(rss0), svc.threadCount());

        // the storm: kill the primary
        String filter = "udp and src host 127.0.0.1 and dst host " + backup.host() + " and dst port " + backup.port();
        Map<Long, PacketCapture.SipPacket> firstToBackup = new HashMap<>();
        long tKill;
        Fleets.Waited moved;
        double scpu0;
        double scpu1;
        EventsTap tap = eventsOverMqtt ? new EventsTap(svc, Set.of("keepalive-timeout", "failover")) : null;
        try {
            PacketCapture cap = PacketCapture.start("storm-to-backup", filter, backup.port());
            List<PacketCapture.SipPacket> packets;
            try (cap) {
                scpu0 = svc.cpuSeconds();
                tKill = System.currentTimeMillis();
                primary.kill();
                long tKilled = System.currentTimeMillis();
                report.line("  primary killed (SIGKILL by PID; port closed) at %d (epoch ms), kill took %d ms", tKill,
                        tKilled - tKill);
                moved = fleets.awaitFleet(name, "every phone on the backup",
                        Duration.ofSeconds(keepAlive * 3L + 120), Duration.ofMillis(250),
                        s -> s.on("backup") == s.count());
                scpu1 = svc.cpuSeconds();
                packets = cap.stop();
            }
            for (PacketCapture.SipPacket p : packets) {
                if (p.is("REGISTER") && p.to(backup.host(), backup.port())) {
                    try {
                        firstToBackup.putIfAbsent(Long.parseLong(p.fromUser()), p);
                    } catch (NumberFormatException ignored) {
                        // not one of ours
                    }
                }
            }
            report.line("  storm: %s %.1f s after the kill as polled every 250 ms (ideal: the keep-alive interval, %d "
                            + "s); service CPU %.1f s", moved.reached() ? "every phone on the backup" : "NOT all moved",
                    moved.reached() ? (moved.reachedAtMillis() - tKill) / 1000.0 : Double.NaN, keepAlive,
                    scpu1 - scpu0);
            long lastFirst = firstToBackup.values().stream().mapToLong(PacketCapture.SipPacket::epochNanos).max()
                    .orElse(0);
            report.line("    on the packets: %d phones sent a REGISTER to the backup; the last phone's first one %.3f s "
                            + "after the kill (dumpcap: %d packets, %d dropped by the capture)", firstToBackup.size(),
                    (lastFirst / 1e6 - tKill) / 1000.0, cap.capturedCount(), cap.droppedCount());
            report.line("    after: %s", moved.last());

            RestEvents sample = tap != null ? null : RestEvents.read(svc, name, n, Math.max(1, n / Math.max(1, eventSample)),
                    tKill - 1000, Set.of("keepalive-timeout", "failover"));
            Map<String, EventsTap.First> ka = tap != null ? tap.first("keepalive-timeout")
                    : sample.first("keepalive-timeout");
            List<Double> delays = new ArrayList<>();
            Map<String, Integer> reasons = new TreeMap<>();
            int noRegister = 0;
            for (Map.Entry<String, EventsTap.First> e : ka.entrySet()) {
                if (e.getValue().at() < tKill - 1000) {
                    continue;   // a keep-alive timeout before the kill: counted as a false failover above
                }
                reasons.merge(e.getValue().reason(), 1, Integer::sum);
                long user = STORM_USERS + Long.parseLong(e.getKey().substring(name.length() + 1)) - 1;
                PacketCapture.SipPacket reg = firstToBackup.get(user);
                if (reg == null) {
                    noRegister++;
                    continue;
                }
                delays.add(reg.epochMillis() - e.getValue().at());
            }
            Map<String, EventsTap.First> fo = tap != null ? tap.first("failover") : sample.first("failover");
            List<Double> toFailover = new ArrayList<>();
            List<Double> failoverToWire = new ArrayList<>();
            for (Map.Entry<String, EventsTap.First> e : ka.entrySet()) {
                EventsTap.First f = fo.get(e.getKey());
                if (f == null || e.getValue().at() < tKill - 1000) {
                    continue;
                }
                toFailover.add((double) (f.at() - e.getValue().at()));
                long user = STORM_USERS + Long.parseLong(e.getKey().substring(name.length() + 1)) - 1;
                PacketCapture.SipPacket reg = firstToBackup.get(user);
                if (reg != null) {
                    failoverToWire.add(reg.epochMillis() - f.at());
                }
            }
            Stats d = Stats.of(delays);
            report.line("    delay keep-alive failure -> REGISTER to the backup (ms): %s (target p99 < 5 ms)",
                    d.describe(2));
            report.line("      keep-alive failure instant = the phone's 'keepalive-timeout' event 'at' (the service's "
                    + "System.currentTimeMillis, 1 ms steps; events " + (tap != null ? "from MQTT sipfleet/phones/+/events"
                    : "over REST after the storm, every " + Math.max(1, n / Math.max(1, eventSample)) + "th phone")
                    + "); REGISTER "
                    + "instant = dumpcap's kernel timestamp on lo (real-time clock, µs); same clock, 1 ms resolution");
            report.line("      of which 'keepalive-timeout' -> 'failover' event (the REGISTER to the dead primary on the "
                    + "way, service clock): %s", Stats.of(toFailover).describe(0));
            report.line("      and 'failover' event -> REGISTER to the backup on the wire: %s",
                    Stats.of(failoverToWire).describe(2));
            report.line("      keepalive-timeout events by reason %s; phones with no keepalive-timeout event: %d; with "
                            + "one but no REGISTER to the backup captured: %d", reasons,
                    Math.max(0, (tap != null ? n : sample.sampled()) - ka.size()), noRegister);
            report.line("      events seen during the storm: %s", tap != null ? tap.describeCounts() : sample.describeCounts());

            // failback
            long tRestart = System.currentTimeMillis();
            primary.restart();
            long tUp = System.currentTimeMillis();
            double fcpu0 = svc.cpuSeconds();
            Fleets.Waited back = fleets.awaitFleet(name, "every phone back on the primary",
                    Duration.ofSeconds(failbackInterval * 3L + 120), poll, s -> s.on("primary") == s.count());
            double fcpu1 = svc.cpuSeconds();
            report.line("  failback: primary restarted (answering after %d ms); %s %.1f s after it answered, as polled "
                            + "(the failback interval: %d s); service CPU %.1f s", tUp - tRestart,
                    back.reached() ? "every phone back on the primary" : "NOT all back",
                    back.reached() ? (back.reachedAtMillis() - tUp) / 1000.0 : Double.NaN, failbackInterval,
                    fcpu1 - fcpu0);
            report.line("    after: %s", back.last());
            Metrics m2 = Metrics.scrape(svc);
            report.line("    whole run: failovers %.0f, failures %.0f, register-failed %.0f, failbacks %.0f (metrics)",
                    m2.sum("sipfleet_failovers_total"), m2.sum("sipfleet_failures_total"),
                    m2.sum("sipfleet_register_failed_total"), m2.sum("sipfleet_failbacks_total"));
            if (tap != null) {
                report.line("    events since the kill: %s", tap.describeCounts());
            }
        } finally {
            if (tap != null) {
                tap.close();
            }
        }
    }
}
