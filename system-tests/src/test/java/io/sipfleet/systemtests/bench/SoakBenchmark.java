package io.sipfleet.systemtests.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.testing.Procfs;
import io.sipfleet.systemtests.ServiceProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The soak of issue 9: {@code phones} V3 phones as in the storm (UDP, T1 500 ms, keep-alive 30 s, failback 60 s,
 * TTL 3600 s) on the packaged service (-Xmx1g) against the Kamailio pair, and the primary flapped {@code flaps}
 * times: killed (SIGKILL) for {@code downSeconds}, restarted, up for {@code upSeconds} (6 x (60 + 240) s = 30
 * minutes). After each flap: heap after GC, RSS, phones by active server and by state. At the end: heap after GC
 * flat within 10% between the first and the last flap, every phone on the primary, 0 phones failed.
 *
 * <pre>
 * ./mvnw -B -pl system-tests -am verify -Dsipfleet.bench=true -Dtest=SoakBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DskipITs
 * </pre>
 *
 * <p>Options ({@code sipfleet.bench.*}): {@code phones} (100000), {@code flaps} (6), {@code downSeconds} (60),
 * {@code upSeconds} (240), {@code ramp} (2000), {@code keepAliveInterval} (30), {@code failbackInterval} (60),
 * {@code registerTtl} (3600), {@code t1} ms (500), {@code xmx} (1g), {@code jvmArgs}, {@code kamailioMemoryMb}
 * (1024), {@code raiseIcmpLimits} (true), {@code icmpMsgsPerSec} / {@code icmpMsgsBurst} (100000),
 * {@code settleSeconds} (after the last flap, how long to wait at most for phones still on the backup: the
 * failback interval + the keep-alive interval + 30 s by default). Prints the verdicts; asserts only that the
 * phones registered and the service survived.
 */
@EnabledIfSystemProperty(named = "sipfleet.bench", matches = "true",
        disabledReason = "a benchmark: run it with -Dsipfleet.bench=true (see the class comment)")
class SoakBenchmark {
    private static final long FIRST_USER = 4_000_000;

    private final Report report = new Report("soak-benchmark");

    private record Flap(int number, long heapAfterGc, long rss, long threads, Fleets.Summary summary,
                        double failovers, double failures, double registerFailed, double cpuS) {
    }

    @Test
    void primaryFlappedForHalfAnHour() throws Exception {
        assumeTrue(KamailioPair.available(), KamailioPair.unavailableReason());
        assumeTrue(ServiceProcess.jarAvailable(), ServiceProcess.jarUnavailableReason());
        Options o = new Options();
        int n = o.integer("phones", 100_000);
        int flaps = o.integer("flaps", 6);
        int downS = o.integer("downSeconds", 60);
        int upS = o.integer("upSeconds", 240);
        double ramp = o.decimal("ramp", 2_000);
        int keepAlive = o.integer("keepAliveInterval", 30);
        int failback = o.integer("failbackInterval", 60);
        int ttl = o.integer("registerTtl", 3600);
        long t1 = o.longValue("t1", 500);
        String xmx = o.string("xmx", "1g");
        String jvmArgs = o.string("jvmArgs", "");
        int kamailioMb = o.integer("kamailioMemoryMb", 1024);
        boolean raiseIcmp = o.flag("raiseIcmpLimits", true);
        int icmpPerSec = o.integer("icmpMsgsPerSec", 100_000);
        int icmpBurst = o.integer("icmpMsgsBurst", 100_000);
        int settleS = o.integer("settleSeconds", failback + keepAlive + 30);

        report.machine();
        report.line("options: %s", o.describe());
        String name = "soak";
        try (IcmpLimits icmp = IcmpLimits.apply(raiseIcmp, icmpPerSec, icmpBurst);
             KamailioPair pair = KamailioPair.builder().tls(false).sharedMemoryMb(kamailioMb).start();
             ServiceProcess svc = ServiceProcess.builder("soak").builtinServers(false).jvmOption("-Xmx" + xmx)
                     .jvmOptions(jvmArgs).property("sipfleet.sip.t1", t1 + "ms").start();
             StatusWatch status = new StatusWatch(svc)) {
            report.line("%s", icmp.describe());
            report.line("Kamailio primary %s, backup %s; service pid %d, log %s", pair.primary().hostPort(),
                    pair.backup().hostPort(), svc.pid(), svc.logFile());
            Fleets fleets = new Fleets(svc, report);
            KamailioPair.Server primary = pair.primary();

            fleets.create(name, n, FIRST_USER, ramp, Fleets.line(pair, keepAlive, failback, ttl));
            Fleets.Waited ramped = fleets.awaitFleet(name, "every phone registered",
                    Duration.ofSeconds((long) (n / ramp * 4) + 120), Duration.ofMillis(500),
                    s -> s.state("registered") == s.count());
            report.line("ramp: %s in %.1f s: %s", ramped.reached() ? "every phone registered" : "NOT all registered",
                    ramped.seconds(), ramped.last());
            assertThat(ramped.reached()).as("every phone registered before the flaps (sanity)").isTrue();
            Metrics start = Metrics.scrape(svc);
            double cpuStart = svc.cpuSeconds();

            report.line("");
            report.line("%-5s %-12s %-10s %-8s %-40s %-28s %-9s %-8s %-8s %-8s", "flap", "heap (GC'd)", "RSS", "threads",
                    "by active server", "by state", "failovers", "failures", "reg-fail", "CPU s");
            List<Flap> done = new ArrayList<>();
            for (int f = 1; f <= flaps; f++) {
                double cpu0 = svc.cpuSeconds();
                primary.kill();
                report.progress("flap %d: primary killed for %d s", f, downS);
                Fleets.hold(Duration.ofSeconds(downS), Duration.ofSeconds(10),
                        () -> report.progress("down: %s", fleets.summary(name)));
                primary.restart();
                report.progress("flap %d: primary restarted, up for %d s", f, upS);
                Fleets.hold(Duration.ofSeconds(upS), Duration.ofSeconds(30),
                        () -> report.progress("up: %s", fleets.summary(name)));
                Metrics m = Metrics.scrape(svc);
                Flap flap = new Flap(f, svc.heapUsedAfterGcBytes(), svc.rssBytes(), svc.threadCount(),
                        fleets.summary(name), m.sum("sipfleet_failovers_total") - start.sum("sipfleet_failovers_total"),
                        m.sum("sipfleet_failures_total") - start.sum("sipfleet_failures_total"),
                        m.sum("sipfleet_register_failed_total") - start.sum("sipfleet_register_failed_total"),
                        svc.cpuSeconds() - cpu0);
                done.add(flap);
                report.line("%-5d %-12s %-10s %-8d %-40s %-28s %-9.0f %-8.0f %-8.0f %-8.1f", f,
                        Report.mb(flap.heapAfterGc), Report.mb(flap.rss), flap.threads,
                        flap.summary.byActiveServer().toString(), flap.summary.byState().toString(), flap.failovers,
                        flap.failures, flap.registerFailed, flap.cpuS);
            }
            report.line("(failovers, failures, register-failed: totals since the ramp, from /q/metrics; CPU: the service "
                    + "process over the flap; heap after a full GC by jcmd)");

            Fleets.Summary end = fleets.summary(name);
            if (end.on("primary") != n) {
                Fleets.Waited settled = fleets.awaitFleet(name, "every phone back on the primary",
                        Duration.ofSeconds(settleS), Duration.ofSeconds(1), s -> s.on("primary") == s.count());
                report.line("after the last flap's %d s up, %d phones were still off the primary; %s %.1f s later", upS,
                        n - end.on("primary"), settled.reached() ? "all back" : "NOT all back", settled.seconds());
                end = settled.last();
            }
            Metrics last = Metrics.scrape(svc);
            double regFailed = last.sum("sipfleet_register_failed_total") - start.sum("sipfleet_register_failed_total");
            report.section("verdicts");
            Flap first = done.get(0);
            Flap lastFlap = done.get(done.size() - 1);
            double growth = (lastFlap.heapAfterGc - first.heapAfterGc) / (double) first.heapAfterGc;
            report.line("  heap after GC first flap %s, last flap %s: %+.1f%% -> %s (flat within 10%%)",
                    Report.mb(first.heapAfterGc), Report.mb(lastFlap.heapAfterGc), growth * 100,
                    Math.abs(growth) <= 0.10 ? "PASS" : "FAIL");
            report.line("  every phone on the primary at the end: %d of %d -> %s", end.on("primary"), n,
                    end.on("primary") == n ? "PASS" : "FAIL");
            report.line("  phones failed: byState failed %d, sipfleet_register_failed_total delta %.0f -> %s",
                    end.state("failed"), regFailed, end.state("failed") == 0 && regFailed == 0 ? "PASS" : "FAIL");
            report.line("  service CPU over the flaps %.1f s; load average %s", svc.cpuSeconds() - cpuStart,
                    Procfs.loadAverage());
            report.section("lag the service reports (GET /api/status, polled every second)");
            report.line("  %s", status.describe());
            report.line("total %.1f s", report.elapsedSeconds());
            assertThat(svc.isAlive()).as("the service survived the soak (sanity)").isTrue();
        } finally {
            report.write();
        }
    }
}
