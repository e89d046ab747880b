package io.sipfleet.simulator.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Process figures read from Linux's {@code /proc}, for benchmarks and system tests: CPU time (utime + stime
 * in clock ticks), RSS, thread count. Every reader answers -1 (or null) instead of throwing when the process
 * is gone or the system is not Linux. Shipped in the simulator's test-jar.
 */
public final class Procfs {
    private static volatile long clockTicks;

    private Procfs() {
    }

    /** {@code getconf CLK_TCK}: the unit of the CPU times in /proc/PID/stat (100 when it cannot be asked). */
    public static long clockTicks() {
        long t = clockTicks;
        if (t > 0) {
            return t;
        }
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            t = Long.parseLong(out);
        } catch (Exception e) {
            t = 100;
        }
        clockTicks = t;
        return t;
    }

    /** utime + stime of one process in clock ticks, -1 when unreadable. */
    public static long cpuTicks(long pid) {
        long[] f = statFields(Paths.get("/proc", Long.toString(pid), "stat"));
        return f == null ? -1 : f[11] + f[12];
    }

    /** utime + stime of one process in seconds, -1 when unreadable. */
    public static double cpuSeconds(long pid) {
        long t = cpuTicks(pid);
        return t < 0 ? -1 : t / (double) clockTicks();
    }

    /** utime + stime (clock ticks) of a process and its descendants; 0 when gone. */
    public static long cpuTicksOfTree(long pid) {
        if (pid <= 0) {
            return 0;
        }
        long sum = Math.max(0, cpuTicks(pid));
        sum += ProcessHandle.of(pid).map(h -> h.descendants().mapToLong(d -> Math.max(0, cpuTicks(d.pid()))).sum())
                .orElse(0L);
        return sum;
    }

    /** cutime + cstime of this JVM: the CPU time of the children it has waited for (reaped). */
    public static long childrenCpuTicks() {
        long[] f = statFields(Paths.get("/proc", "self", "stat"));
        return f == null ? 0 : f[13] + f[14];
    }

    /**
     * utime + stime of every process (clock ticks, by pid). /proc/stat's machine-wide counters are sampled at
     * timer ticks and miss most of the CPU of processes that run in short bursts; the per-process ones are exact.
     */
    public static Map<Long, Long> allProcessTicks() {
        Map<Long, Long> out = new HashMap<>();
        try (var dirs = Files.list(Paths.get("/proc"))) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                long t = cpuTicks(pid);
                if (t >= 0) {
                    out.put(pid, t);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return out;
    }

    /**
     * CPU ticks used between two {@link #allProcessTicks()} snapshots by the processes not in {@code ours}
     * (processes that ended in between are missed, those that started are counted whole).
     */
    public static long othersTicks(Map<Long, Long> before, Map<Long, Long> after, Set<Long> ours) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            if (!ours.contains(e.getKey())) {
                sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
            }
        }
        return sum;
    }

    /** The given processes and all their descendants. */
    public static Set<Long> treePids(long... roots) {
        Set<Long> out = new HashSet<>();
        for (long root : roots) {
            if (root > 0) {
                out.add(root);
                ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
            }
        }
        return out;
    }

    /** VmRSS of a process in bytes (/proc/PID/status), -1 when unreadable. */
    public static long rssBytes(long pid) {
        long kb = statusValue(pid, "VmRSS:");
        return kb < 0 ? -1 : kb * 1024;
    }

    /** Threads of a process (/proc/PID/status), -1 when unreadable. */
    public static long threads(long pid) {
        return statusValue(pid, "Threads:");
    }

    /** The first number on the line of /proc/PID/status that starts with {@code key}, -1 when absent. */
    public static long statusValue(long pid, String key) {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith(key)) {
                    String[] parts = l.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** The drops column of the UDP socket bound to ip:port in /proc/net/udp (0 when not found). */
    public static long udpSocketDrops(String ip, int port) {
        String[] b = ip.split("\\.");
        String local = String.format(java.util.Locale.ROOT, "%02X%02X%02X%02X:%04X", Integer.parseInt(b[3]),
                Integer.parseInt(b[2]), Integer.parseInt(b[1]), Integer.parseInt(b[0]), port);
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/net/udp"))) {
                String[] c = l.trim().split("\\s+");
                if (c.length > 12 && c[1].equalsIgnoreCase(local)) {
                    return Long.parseLong(c[c.length - 1]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return 0;
    }

    /** RcvbufErrors and SndbufErrors of /proc/net/snmp's Udp line (the whole network namespace). */
    public static long[] udpSnmp() {
        try {
            List<String> udp = Files.readAllLines(Paths.get("/proc/net/snmp")).stream()
                    .filter(l -> l.startsWith("Udp:")).toList();
            List<String> names = Arrays.asList(udp.get(0).split("\\s+"));
            String[] values = udp.get(1).split("\\s+");
            return new long[] {Long.parseLong(values[names.indexOf("RcvbufErrors")]),
                    Long.parseLong(values[names.indexOf("SndbufErrors")])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** /proc/loadavg, or "?". */
    public static String loadAverage() {
        try {
            return Files.readString(Paths.get("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** The numeric fields after "(comm)" of a /proc stat file: [0] = state (as 0), [11] = utime, ... */
    private static long[] statFields(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] parts = s.substring(s.lastIndexOf(')') + 2).trim().split("\\s+");
            long[] out = new long[Math.min(parts.length, 20)];
            for (int i = 1; i < out.length; i++) {   // later fields can exceed a long (rsslim): not needed
                out[i] = Long.parseLong(parts[i]);
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
