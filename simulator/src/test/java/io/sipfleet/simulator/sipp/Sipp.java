package io.sipfleet.simulator.sipp;

import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.testing.Procfs;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * SIPp ({@code sipp}, Debian package sip-tester) registering users with digest over UDP against a SIP server,
 * as a yardstick beside the simulator: one call of the scenario {@code sipp/bench-register-digest.xml} per user
 * (REGISTER, 401, REGISTER with credentials, 200, Expires 3600). Users {@code firstUser .. firstUser+count-1}
 * with password {@code "pw" + user} (the Kamailio pair's rule) come from a CSV whose second field is the WHOLE
 * {@code [authentication username=... password=...]} keyword (SIPp 3.6 does not substitute a field nested in
 * it).
 *
 * <p>A run is paced ({@code -r rate}, calls per second) or flat out (a high rate with at most {@code limit}
 * calls in flight). It reports successful and failed calls, retransmissions, registrations/s from the first
 * REGISTER sent to the last 200 received (SIPp's rtt trace, ms clock), and the CPU seconds of the sipp process
 * (its whole run, start-up included: the cutime growth of this JVM once sipp is reaped, else the last poll of
 * /proc/PID/stat). Everything SIPp writes goes into {@link Options#dir}. Shipped in the simulator's test-jar
 * so that every benchmark uses the same one.
 *
 * <pre>{@code
 * Sipp.Result r = Sipp.register(Sipp.options("paced", primary.hostPort(), dir).users(700_000, 10_000).rate(2000));
 * }</pre>
 */
public final class Sipp {
    private static final String SCENARIO = "/sipp/bench-register-digest.xml";

    private Sipp() {
    }

    /** True when SIPp is installed. */
    public static boolean available() {
        return KamailioPair.findBinary("sipp").isPresent();
    }

    /** Why {@link #available()} is false (a skip message). */
    public static String unavailableReason() {
        return "sipp is not installed (apt-get install sip-tester)";
    }

    public static Options options(String name, String server, Path dir) {
        return new Options(name, server, dir);
    }

    /** What one run does. */
    public static final class Options {
        final String name;
        final String server;
        final Path dir;
        long firstUser = 700_000;
        int count = 10_000;
        long rate = 2_000;
        int limit;
        Duration timeout = Duration.ofSeconds(120);
        String localIp = "127.0.0.1";

        private Options(String name, String server, Path dir) {
            this.name = Objects.requireNonNull(name);
            this.server = Objects.requireNonNull(server);
            this.dir = Objects.requireNonNull(dir);
        }

        /** Users {@code first .. first+count-1} (default 700000, 10000). */
        public Options users(long first, int n) {
            this.firstUser = first;
            this.count = n;
            return this;
        }

        /** Calls started per second ({@code -r}, per 1000 ms; default 2000). */
        public Options rate(long callsPerSecond) {
            this.rate = callsPerSecond;
            return this;
        }

        /** At most this many calls in flight ({@code -l}; default: the number of users, i.e. no limit). */
        public Options limit(int inFlight) {
            this.limit = inFlight;
            return this;
        }

        /** Flat out: {@code -r 100000} with at most {@code inFlight} calls in flight. */
        public Options flatOut(int inFlight) {
            this.rate = 100_000;
            this.limit = inFlight;
            return this;
        }

        /** Bound of the run ({@code -timeout}; the process is killed 30 s later). Default 120 s. */
        public Options timeout(Duration t) {
            this.timeout = t;
            return this;
        }

        /** The address SIPp binds (default 127.0.0.1). */
        public Options localIp(String ip) {
            this.localIp = ip;
            return this;
        }
    }

    /** What one run measured. */
    public static final class Result {
        public final String name;
        public final long rate;
        public final int limit;
        public final int users;
        public long pid = -1;
        public long successful = -1;
        public long failed = -1;
        public long retransmissions = -1;
        public int exitCode = Integer.MIN_VALUE;
        public boolean killed;
        /** Wall time of the process, start-up included. */
        public double wallS;
        /** First REGISTER sent -> last 200 received (SIPp's rtt trace), else {@link #wallS}. */
        public double seconds;
        /** utime + stime of the sipp process. */
        public double cpuS;
        public double cpuPolledS;
        /** Response times (first REGISTER -> 200) in ms, sorted; SIPp's ms clock. */
        public double[] rttMs = new double[0];
        public Path stdout;
        public Path dir;

        Result(String name, long rate, int limit, int users) {
            this.name = name;
            this.rate = rate;
            this.limit = limit;
            this.users = users;
        }

        public double rateAchieved() {
            return successful / seconds;
        }

        public double cpuPer1000() {
            return cpuS * 1000.0 / Math.max(1, successful);
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "SIPp %s (-r %d -l %d): exit %d%s, %d successful, %d failed, "
                            + "%d retransmissions, %.2f s, %.0f reg/s, CPU %.3f s (%.3f s per 1,000)", name, rate, limit,
                    exitCode, killed ? " (killed)" : "", successful, failed, retransmissions, seconds, rateAchieved(),
                    cpuS, cpuPer1000());
        }
    }

    /** Runs SIPp once, bounded by the options' timeout plus 30 s. */
    public static Result register(Options o) throws IOException, InterruptedException {
        if (!available()) {
            throw new IllegalStateException(unavailableReason());
        }
        int limit = o.limit > 0 ? o.limit : o.count;
        Result run = new Result(o.name, o.rate, limit, o.count);
        Path dir = Files.createDirectories(o.dir);
        run.dir = dir;
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Path scenario = dir.resolve("bench-register-digest.xml");
        try (InputStream in = Sipp.class.getResourceAsStream(SCENARIO)) {
            if (in == null) {
                throw new IOException("classpath resource " + SCENARIO + " not found");
            }
            Files.copy(in, scenario, StandardCopyOption.REPLACE_EXISTING);
        }
        Path csv = dir.resolve("users.csv");
        StringBuilder users = new StringBuilder(o.count * 60).append("SEQUENTIAL\n");
        for (long u = o.firstUser; u < o.firstUser + o.count; u++) {
            users.append(u).append(";[authentication username=").append(u).append(" password=pw").append(u)
                    .append("]\n");
        }
        Files.writeString(csv, users.toString());
        int rttFreq = 1;
        for (int d = Math.min(o.count, 1000); d >= 1; d--) {
            if (o.count % d == 0) {
                rttFreq = d;
                break;
            }
        }
        long timeoutS = Math.max(1, o.timeout.toSeconds());
        Path stat = dir.resolve("stat.csv");
        run.stdout = dir.resolve("sipp.out");
        List<String> cmd = List.of(KamailioPair.findBinary("sipp").orElseThrow().toString(),
                o.server,
                "-sf", scenario.toAbsolutePath().toString(),
                "-inf", csv.toAbsolutePath().toString(),
                "-m", Integer.toString(o.count), "-r", Long.toString(o.rate), "-rp", "1000",
                "-l", Integer.toString(limit),
                "-nd", "-nostdin",
                "-i", o.localIp, "-bind_local",
                "-p", Integer.toString(KamailioPair.freePort(o.localIp)),
                "-mp", Integer.toString(KamailioPair.freePort(o.localIp)),
                "-timeout", timeoutS + "s", "-timeout_error",
                "-trace_stat", "-stf", stat.toAbsolutePath().toString(), "-fd", "1",
                "-trace_rtt", "-rtt_freq", Integer.toString(rttFreq),
                "-trace_err", "-error_file", dir.resolve("errors.log").toAbsolutePath().toString());
        Files.writeString(dir.resolve("command.txt"), String.join(" ", cmd) + "\n");

        long children0 = Procfs.childrenCpuTicks();
        long t0 = System.nanoTime();
        Process sipp = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(run.stdout.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        run.pid = sipp.pid();
        long polled = 0;
        boolean finished = false;
        for (long i = 0; i < (timeoutS + 30) * 50; i++) {      // bounded: 50 polls a second
            long ticks = Procfs.cpuTicks(run.pid);
            if (ticks >= 0) {
                polled = Math.max(polled, ticks);
            }
            if (sipp.waitFor(20, TimeUnit.MILLISECONDS)) {
                finished = true;
                break;
            }
        }
        run.wallS = (System.nanoTime() - t0) / 1e9;
        if (!finished) {
            sipp.destroyForcibly();
            sipp.waitFor(5, TimeUnit.SECONDS);
            run.killed = true;
        } else {
            run.exitCode = sipp.exitValue();
        }
        long children1 = Procfs.childrenCpuTicks();
        // this JVM reaped sipp: its cutime + cstime grew by sipp's whole CPU time (if no other child ended meanwhile)
        run.cpuS = (children1 - children0) / (double) Procfs.clockTicks();
        run.cpuPolledS = polled / (double) Procfs.clockTicks();
        if (run.cpuS <= 0 || run.cpuS > run.cpuPolledS * 1.5 + 0.05) {
            run.cpuS = run.cpuPolledS;
        }
        Map<String, String> last = lastStatLine(stat);
        run.successful = parseLong(last.get("SuccessfulCall(C)"));
        run.failed = parseLong(last.get("FailedCall(C)"));
        run.retransmissions = parseLong(last.get("Retransmissions(C)"));
        readRtt(dir, run);
        return run;
    }

    /** {@code <scenario>_<pid>_rtt.csv}: Date_ms (ms since SIPp started);response_time_ms;rtd_no. */
    private static void readRtt(Path dir, Result run) throws IOException {
        List<Path> files;
        try (var list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith("_rtt.csv")).toList();
        }
        List<Double> rts = new ArrayList<>();
        double firstStart = Double.MAX_VALUE;
        double lastEnd = 0;
        for (Path f : files) {
            for (String l : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
                String[] c = l.split(";");
                if (c.length < 3 || !c[2].trim().equals("1")) {
                    continue;
                }
                try {
                    double date = Double.parseDouble(c[0].trim());
                    double rt = Double.parseDouble(c[1].trim());
                    rts.add(rt);
                    firstStart = Math.min(firstStart, date - rt);
                    lastEnd = Math.max(lastEnd, date);
                } catch (NumberFormatException header) {
                    // the header line
                }
            }
        }
        run.rttMs = rts.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        run.seconds = rts.isEmpty() ? run.wallS : (lastEnd - firstStart) / 1000.0;
    }

    private static Map<String, String> lastStatLine(Path stat) {
        Map<String, String> out = new HashMap<>();
        if (!Files.exists(stat)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(stat, StandardCharsets.ISO_8859_1).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (lines.size() < 2) {
            return out;
        }
        String[] header = lines.get(0).split(";", -1);
        String[] values = lines.get(lines.size() - 1).split(";", -1);
        for (int i = 0; i < header.length && i < values.length; i++) {
            out.put(header[i].trim(), values[i].trim());
        }
        return out;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
