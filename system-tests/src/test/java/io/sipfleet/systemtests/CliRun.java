package io.sipfleet.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application's command line as a CI job runs it: {@code java -jar quarkus-run.jar run ...} as a child
 * process in a directory of its own ({@code target/cli/NAME}), its stdout and stderr in files there. {@link #start}
 * returns the running process; {@link #finish} waits for it (bounded; killed by its PID past the bound).
 */
final class CliRun implements AutoCloseable {
    /** One run of the command line, finished. */
    record Result(int exitCode, String stdout, String stderr, Path dir, Duration took) {
        Path reports() {
            return dir.resolve("sipfleet-reports");
        }

        @Override
        public String toString() {
            return "exit " + exitCode + " after " + took.toMillis() + " ms\n--- stdout\n" + stdout + "--- stderr\n"
                    + stderr;
        }
    }

    private final Process process;
    private final Path dir;
    private final long startedNanos = System.nanoTime();

    private CliRun(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** A fresh directory {@code target/cli/NAME} (emptied), where the run's relative paths go. */
    static Path dir(String name) {
        Path d = Paths.get("target", "cli", name).toAbsolutePath();
        try {
            if (Files.exists(d)) {
                try (var files = Files.walk(d)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return d;
    }

    /** Starts {@code java -jar quarkus-run.jar ARGS...} in {@code dir}. */
    static CliRun start(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseZGC"); // as the README runs it
        cmd.add("-jar");
        cmd.add(ServiceProcess.jar().toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(dir.resolve("stdout.txt").toFile())
                    .redirectError(dir.resolve("stderr.txt").toFile()).start();
            return new CliRun(p, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs it to its end (at most {@code timeout}). */
    static Result run(Path dir, Duration timeout, String... args) {
        try (CliRun r = start(dir, args)) {
            return r.finish(timeout);
        }
    }

    long pid() {
        return process.pid();
    }

    /** What it has written on stderr so far. */
    String stderr() {
        return read(dir.resolve("stderr.txt"));
    }

    /** SIGTERM, as a CI runner cancelling a job sends it. */
    void terminate() {
        process.destroy();
    }

    Result finish(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("the command line did not end within " + timeout.toSeconds()
                        + " s; stderr:\n" + stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return new Result(process.exitValue(), read(dir.resolve("stdout.txt")), stderr(), dir,
                Duration.ofNanos(System.nanoTime() - startedNanos));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
