package io.sipfleet.api.mqtt;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real Mosquitto for the tests, as a process of its own on 127.0.0.1 and a free port (in memory, no
 * persistence: a restart loses every retained message). Its PID lives in a system property, so that a
 * test can kill it by PID and start it again on the same port, and the resource stops whichever runs.
 */
public class Mosquitto implements QuarkusTestResourceLifecycleManager {
    static final String PID = "test-mosquitto.pid";
    static final String PORT = "test-mosquitto.port";
    static final String DIR = "test-mosquitto.dir";

    /** The mosquitto binary (Debian puts it in /usr/sbin, which is not always on PATH). */
    static Optional<Path> binary() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(":")), Stream.of("/usr/sbin", "/usr/local/sbin", "/sbin"))
                .filter(d -> !d.isEmpty()).map(d -> Path.of(d, "mosquitto")).filter(Files::isExecutable).findFirst();
    }

    static boolean available() {
        return binary().isPresent() && System.getProperty(PID) != null;
    }

    @Override
    public Map<String, String> start() {
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            if (binary().isEmpty()) {
                // the tests assume it away; the service points at a closed port meanwhile
                return Map.of("sipfleet.mqtt.embedded", "false", "sipfleet.mqtt.port", Integer.toString(port));
            }
            Path dir = Files.createTempDirectory("sipfleet-mosquitto");
            Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n", List.of(
                    "listener " + port + " 127.0.0.1",
                    "allow_anonymous true",
                    "persistence false",
                    "log_dest stderr",
                    "log_type error",
                    "log_type warning",
                    "")));
            System.setProperty(PORT, Integer.toString(port));
            System.setProperty(DIR, dir.toString());
            launch();
            return Map.of("sipfleet.mqtt.embedded", "false", "sipfleet.mqtt.port", Integer.toString(port));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start mosquitto", e);
        }
    }

    /** Starts mosquitto on the port chosen at start and waits until it listens. */
    static void launch() throws IOException {
        Path dir = Path.of(System.getProperty(DIR));
        int port = Integer.parseInt(System.getProperty(PORT));
        Process p = new ProcessBuilder(binary().orElseThrow().toString(), "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log").toFile()))
                .start();
        System.setProperty(PID, Long.toString(p.pid()));
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("mosquitto did not listen on " + port + "; its log: "
                            + Files.readString(dir.resolve("log")), e);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
    }

    /** Kills the running mosquitto by its PID (SIGKILL: no goodbye to the clients) and waits until it is gone. */
    static void kill() {
        String pid = System.getProperty(PID);
        if (pid == null) {
            return;
        }
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> {
            h.destroyForcibly();
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("mosquitto " + pid + " did not die", e);
            }
        });
    }

    @Override
    public void stop() {
        kill();
        System.clearProperty(PID);
        String dir = System.getProperty(DIR);
        if (dir != null) {
            try (Stream<Path> files = Files.walk(Path.of(dir))) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temporary directory left behind
            }
        }
    }
}
