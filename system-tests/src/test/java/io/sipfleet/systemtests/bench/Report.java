package io.sipfleet.systemtests.bench;

import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.testing.Procfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** A benchmark's printed figures: each line to stdout at once and, at the end, to target/bench/NAME-TIMESTAMP.txt. */
final class Report {
    private final String name;
    private final StringBuilder text = new StringBuilder();
    private final long t0 = System.nanoTime();

    Report(String name) {
        this.name = name;
    }

    /** A line (String.format, Locale.ROOT). */
    synchronized void line(String format, Object... args) {
        String s = args.length == 0 ? format : String.format(Locale.ROOT, format, args);
        System.out.println(s);
        text.append(s).append('\n');
    }

    /** A progress line: stdout only, with the seconds since the benchmark started. */
    void progress(String format, Object... args) {
        System.out.printf(Locale.ROOT, "  [%6.1f s] %s%n", (System.nanoTime() - t0) / 1e9,
                String.format(Locale.ROOT, format, args));
    }

    void section(String title) {
        line("");
        line("== %s", title);
    }

    /** Machine, tools, JVM: what a figure depends on. */
    void machine() {
        String cpuModel = "?";
        try {
            cpuModel = Files.readAllLines(Paths.get("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        line("%s %s", name, LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
        line("machine: %d cores (%s), %s %s, load average %s; java %s", Runtime.getRuntime().availableProcessors(),
                cpuModel, System.getProperty("os.name"), System.getProperty("os.version"), Procfs.loadAverage(),
                System.getProperty("java.version"));
        line("tools: %s; %s; %s", firstLine("kamailio", "-v"), firstLine("sipp", "-v"), firstLine("tshark", "-v"));
    }

    double elapsedSeconds() {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Writes target/bench/NAME-TIMESTAMP.txt and says where. */
    void write() {
        try {
            Path dir = Files.createDirectories(Paths.get("target", "bench"));
            Path f = dir.resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                    + ".txt");
            Files.writeString(f, text.toString(), StandardCharsets.UTF_8);
            System.out.println("report written to " + f.toAbsolutePath());
        } catch (IOException e) {
            System.out.println("cannot write the report: " + e);
        }
    }

    private static String firstLine(String binary, String arg) {
        try {
            Process p = new ProcessBuilder(KamailioPair.findBinary(binary).orElseThrow().toString(), arg)
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            List<String> lines = out.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("Running as"))
                    .toList();
            return lines.isEmpty() ? binary + " ?" : lines.get(0);
        } catch (Exception e) {
            return binary + " ?";
        }
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static String mb(long bytes) {
        return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }
}
