package io.sipfleet.simulator.relay;

import io.sipfleet.simulator.kamailio.KamailioPair;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * SIPp standing in for a physical phone behind fault relays: one call of a scenario from {@code /sipp/} (UDP, from a
 * fixed local port, as a desk phone keeps its port), bounded in time, ended by its PID if it overstays.
 */
final class SippPhone {
    private SippPhone() {
    }

    /** What a run left: its exit code (or -1 when it had to be ended) and what it wrote. */
    record Run(int exitCode, String output) {}

    static boolean available() {
        return KamailioPair.findBinary("sipp").isPresent();
    }

    /**
     * Runs {@code scenario} once against {@code remote} (host:port) for {@code user} (password "pw" + user).
     *
     * @param extraFields CSV fields after the user and the authentication keyword ([field2]...)
     */
    static Run run(Path dir, String scenario, String remote, String user, int localPort, long timeoutS,
            String... extraFields) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path xml = dir.resolve(scenario);
        try (InputStream in = SippPhone.class.getResourceAsStream("/sipp/" + scenario)) {
            if (in == null) {
                throw new IOException("classpath resource /sipp/" + scenario + " not found");
            }
            Files.copy(in, xml, StandardCopyOption.REPLACE_EXISTING);
        }
        Path csv = dir.resolve("users.csv");
        Files.writeString(csv, "SEQUENTIAL\n" + user + ";[authentication username=" + user + " password=pw" + user
                + "]" + (extraFields.length == 0 ? "" : ";" + String.join(";", extraFields)) + "\n");
        Path out = dir.resolve("sipp.out");
        List<String> cmd = new ArrayList<>(List.of(KamailioPair.findBinary("sipp").orElseThrow().toString(), remote,
                "-sf", xml.toAbsolutePath().toString(), "-inf", csv.toAbsolutePath().toString(),
                "-m", "1", "-nd", "-nostdin", "-i", "127.0.0.1", "-bind_local", "-p", Integer.toString(localPort),
                "-mp", Integer.toString(KamailioPair.freePort("127.0.0.1")), "-timeout", timeoutS + "s",
                "-timeout_error", "-trace_err", "-error_file", dir.resolve("errors.log").toAbsolutePath().toString()));
        Process sipp = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        int exit;
        if (sipp.waitFor(timeoutS + 10, TimeUnit.SECONDS)) {
            exit = sipp.exitValue();
        } else {
            ProcessHandle.of(sipp.pid()).ifPresent(ProcessHandle::destroyForcibly); // ours, by its PID
            sipp.waitFor(5, TimeUnit.SECONDS);
            exit = -1;
        }
        String errors = Files.exists(dir.resolve("errors.log")) ? Files.readString(dir.resolve("errors.log")) : "";
        return new Run(exit, "command: " + String.join(" ", cmd) + "\nerrors: " + errors);
    }
}
