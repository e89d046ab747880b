package io.sipfleet.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.testing.Procfs;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The packaged service as users run it: {@code java [jvm options] -Dkey=value... -jar quarkus-run.jar} as a
 * child process, on free ports (HTTP, the phones' SIP port and the next one for TLS, the embedded MQTT broker,
 * the built-in servers' ports), so that it never collides with a service a developer runs. Its stdout and stderr
 * go to {@code target/service/NAME-TIMESTAMP.log}. {@link Builder#start()} returns once
 * {@code GET /q/health/ready} answers UP (bounded), and fails with the log's tail when it does not.
 *
 * <p>Gives the PID, the base URL, a small REST client ({@link #rest()}), Paho clients for its broker
 * ({@link #mqtt(String)}), and process figures: CPU seconds so far, RSS, heap used after a full GC (jcmd),
 * thread count. {@link #close()} stops it by its PID: SIGTERM, then SIGKILL after a bound.
 *
 * <p>The jar is {@code -Dsipfleet.service.jar} (the surefire/failsafe configuration of this module points it
 * at {@code api/target/quarkus-app/quarkus-run.jar}); build it with {@code ./mvnw -B -q install -DskipTests}
 * or any {@code ./mvnw verify}.
 *
 * <pre>{@code
 * try (ServiceProcess svc = ServiceProcess.builder("cold-start").property("sipfleet.sip.t1", "50ms").start()) {
 *     JsonNode fleet = svc.rest().post("/api/fleets", body).expect(201);
 * }
 * }</pre>
 */
public final class ServiceProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger MQTT_CLIENTS = new AtomicInteger();
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final String name;
    private final Process process;
    private final Path log;
    private final int httpPort;
    private final int sipPort;
    private final int mqttPort;
    private final int primaryPort;
    private final int backupPort;
    private final boolean builtinServers;
    private final String primaryHost;
    private final String backupHost;
    private final List<String> command;
    private final Rest rest;
    private final Thread shutdownHook;
    private volatile boolean stopped;

    private ServiceProcess(Builder b, Process process, Path log, List<String> command) {
        this.name = b.name;
        this.process = process;
        this.log = log;
        this.httpPort = b.httpPort;
        this.sipPort = b.sipPort;
        this.mqttPort = b.mqttPort;
        this.primaryPort = b.primaryPort;
        this.backupPort = b.backupPort;
        this.builtinServers = b.builtinServers;
        this.primaryHost = b.primaryHost;
        this.backupHost = b.backupHost;
        this.command = List.copyOf(command);
        this.rest = new Rest(URI.create("http://127.0.0.1:" + httpPort), b.restTimeout);
        this.shutdownHook = new Thread(this::killQuietly, "ServiceProcess-" + name + "-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The packaged service's jar: {@code -Dsipfleet.service.jar}, else {@code ../api/target/quarkus-app/quarkus-run.jar}. */
    public static Path jar() {
        String configured = System.getProperty("sipfleet.service.jar");
        Path p = configured != null && !configured.isBlank() ? Paths.get(configured)
                : Paths.get("..", "api", "target", "quarkus-app", "quarkus-run.jar");
        return p.toAbsolutePath().normalize();
    }

    /** True when {@link #jar()} exists. */
    public static boolean jarAvailable() {
        return Files.isRegularFile(jar());
    }

    /** Why {@link #jarAvailable()} is false, for a skip message. */
    public static String jarUnavailableReason() {
        return "the packaged service " + jar() + " is not built (./mvnw -B -q install -DskipTests, or ./mvnw verify)";
    }

    // ------------------------------------------------------------------ what it is

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** {@code http://127.0.0.1:PORT} */
    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The phones' SIP port (UDP and TCP) on 127.0.0.1; TLS on the next one. */
    public int sipPort() {
        return sipPort;
    }

    /** The embedded broker's port on 127.0.0.1. */
    public int mqttPort() {
        return mqttPort;
    }

    public boolean builtinServers() {
        return builtinServers;
    }

    /** The built-in primary's host:port (only with built-in servers). */
    public String primaryHost() {
        return primaryHost;
    }

    public int primaryPort() {
        return primaryPort;
    }

    public String backupHost() {
        return backupHost;
    }

    public int backupPort() {
        return backupPort;
    }

    public Path logFile() {
        return log;
    }

    /** The command line it was started with. */
    public List<String> command() {
        return command;
    }

    public Rest rest() {
        return rest;
    }

    /** The last lines of its log. */
    public String logTail(int lines) {
        return tail(log, lines);
    }

    // ------------------------------------------------------------------ MQTT

    /** A Paho client connected to the service's embedded broker (clean session, no automatic reconnect). */
    public MqttClient mqtt(String clientIdPrefix) {
        try {
            MqttClient client = new MqttClient("tcp://127.0.0.1:" + mqttPort,
                    clientIdPrefix + "-" + ProcessHandle.current().pid() + "-" + MQTT_CLIENTS.incrementAndGet(),
                    new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(true);
            options.setAutomaticReconnect(false);
            options.setConnectionTimeout(10);
            options.setKeepAliveInterval(30);
            options.setMaxInflight(1000);
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            client.connect(options);
            return client;
        } catch (MqttException e) {
            throw new IllegalStateException("cannot connect to the service's broker on 127.0.0.1:" + mqttPort + ": " + e
                    + "\n--- service log tail:\n" + logTail(30), e);
        }
    }

    // ------------------------------------------------------------------ process figures

    /** utime + stime of the service process so far, in seconds (every thread: phones, HTTP, MQTT, GC, JIT). */
    public double cpuSeconds() {
        double s = Procfs.cpuSeconds(pid());
        if (s < 0) {
            throw new IllegalStateException(name + " (pid " + pid() + ") is gone: no CPU time");
        }
        return s;
    }

    /** VmRSS in bytes. */
    public long rssBytes() {
        return Procfs.rssBytes(pid());
    }

    /** Threads of the process (/proc/PID/status). */
    public long threadCount() {
        return Procfs.threads(pid());
    }

    /**
     * Heap used after a full GC, in bytes: {@code jcmd PID GC.run}, then {@code jcmd PID GC.heap_info} parsed
     * (G1's "garbage-first heap ... used NK"; for other collectors the sum of the generations' "used").
     */
    public long heapUsedAfterGcBytes() {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        return parseHeapUsed(info);
    }

    /** Runs {@code jcmd PID args...} (bounded) and returns its output. */
    public String jcmd(String... args) {
        Path jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd");
        List<String> cmd = new ArrayList<>();
        cmd.add(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd");
        cmd.add(Long.toString(pid()));
        cmd.addAll(List.of(args));
        return Commands.run(cmd, Duration.ofSeconds(60)).requireOk().output();
    }

    /** The heap used that {@code jcmd GC.heap_info} tells (G1 and Shenandoah in K, ZGC in M, ...). */
    static long parseHeapUsed(String heapInfo) {
        Pattern used = Pattern.compile("used (\\d+)K");
        Pattern usedAnyUnit = Pattern.compile("used (\\d+)([KMG])\\b");
        for (String l : heapInfo.split("\n")) {
            if (l.contains("garbage-first heap") || l.contains("Shenandoah") || l.contains("ZHeap")) {
                Matcher m = usedAnyUnit.matcher(l);
                if (m.find()) {
                    long unit = switch (m.group(2)) {
                        case "G" -> 1024L * 1024 * 1024;
                        case "M" -> 1024L * 1024;
                        default -> 1024L;
                    };
                    return Long.parseLong(m.group(1)) * unit;
                }
            }
        }
        long sum = 0;
        boolean found = false;
        for (String l : heapInfo.split("\n")) {
            if (l.contains("Metaspace") || l.contains("class space")) {
                break;
            }
            if (l.contains("total")) {
                Matcher m = used.matcher(l);
                if (m.find()) {
                    sum += Long.parseLong(m.group(1)) * 1024;
                    found = true;
                }
            }
        }
        if (!found) {
            throw new IllegalStateException("cannot read the heap used from jcmd GC.heap_info:\n" + heapInfo);
        }
        return sum;
    }

    // ------------------------------------------------------------------ stopping

    /** SIGTERM by PID, waits up to 20 s, then SIGKILL. Idempotent. */
    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        stop(process, STOP_TIMEOUT);
    }

    private void killQuietly() {
        if (!stopped && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private static void stop(Process p, Duration timeout) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();   // SIGTERM to this PID
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return name + "(pid " + pid() + ", " + baseUrl() + ")";
    }

    // ------------------------------------------------------------------ builder

    public static final class Builder {
        private final String name;
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private boolean builtinServers = true;
        private String primaryHost = "127.0.0.2";
        private String backupHost = "127.0.0.3";
        private int httpPort;
        private int sipPort;
        private int mqttPort;
        private int primaryPort;
        private int backupPort;
        private Duration readyTimeout = Duration.ofSeconds(90);
        private Duration restTimeout = Duration.ofSeconds(30);
        private Path logDir = Paths.get("target", "service");

        private Builder(String name) {
            this.name = name;
        }

        /** A JVM option before {@code -jar}, e.g. {@code -Xmx1g} or {@code -XX:StartFlightRecording=...}. */
        public Builder jvmOption(String option) {
            if (option != null && !option.isBlank()) {
                jvmOptions.add(option.trim());
            }
            return this;
        }

        /** Several JVM options separated by spaces (an option value of a benchmark). */
        public Builder jvmOptions(String options) {
            if (options != null) {
                for (String o : options.trim().split("\\s+")) {
                    jvmOption(o);
                }
            }
            return this;
        }

        /** A config property as {@code -Dkey=value} (wins over application.properties). */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /** Built-in primary and backup servers (default true), on free ports of 127.0.0.2 / 127.0.0.3. */
        public Builder builtinServers(boolean enabled) {
            this.builtinServers = enabled;
            return this;
        }

        /** How long to wait for readiness (default 90 s). */
        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        /** Bound of each REST request (default 30 s). */
        public Builder restTimeout(Duration timeout) {
            this.restTimeout = timeout;
            return this;
        }

        public Builder logDir(Path dir) {
            this.logDir = dir;
            return this;
        }

        /** Starts the jar and waits until {@code /q/health/ready} is UP. */
        public ServiceProcess start() {
            Path jar = jar();
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jarUnavailableReason());
            }
            httpPort = KamailioPair.freePort("127.0.0.1");
            sipPort = KamailioPair.freePort("127.0.0.1", true);
            mqttPort = KamailioPair.freePort("127.0.0.1");
            Map<String, String> props = new LinkedHashMap<>();
            props.put("quarkus.http.host", "127.0.0.1");
            props.put("quarkus.http.port", Integer.toString(httpPort));
            props.put("sipfleet.sip.bind-address", "127.0.0.1");
            props.put("sipfleet.sip.port", Integer.toString(sipPort));
            props.put("sipfleet.mqtt.embedded", "true");
            props.put("sipfleet.mqtt.host", "127.0.0.1");
            props.put("sipfleet.mqtt.bind-address", "127.0.0.1");
            props.put("sipfleet.mqtt.port", Integer.toString(mqttPort));
            props.put("sipfleet.demo-fleet.enabled", "false");
            props.put("sipfleet.builtin-servers.enabled", Boolean.toString(builtinServers));
            if (builtinServers) {
                primaryPort = KamailioPair.freePort(primaryHost, true);
                backupPort = KamailioPair.freePort(backupHost, true);
                props.put("sipfleet.builtin-servers.primary-host", primaryHost);
                props.put("sipfleet.builtin-servers.primary-port", Integer.toString(primaryPort));
                props.put("sipfleet.builtin-servers.backup-host", backupHost);
                props.put("sipfleet.builtin-servers.backup-port", Integer.toString(backupPort));
            }
            props.putAll(properties);   // the caller's win
            String portsTaken = properties.keySet().stream().filter(k -> k.endsWith(".port") || k.endsWith("-port"))
                    .reduce((a, b) -> a + ", " + b).orElse("");
            if (!portsTaken.isEmpty()) {
                System.out.println("ServiceProcess " + name + ": ports set by the caller: " + portsTaken);
            }

            List<String> cmd = new ArrayList<>();
            cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            if (jvmOptions.stream().noneMatch(o -> o.startsWith("-XX:+Use") && o.endsWith("GC"))) {
                cmd.add("-XX:+UseZGC"); // as the README starts it, unless the caller chose a collector
            }
            cmd.addAll(jvmOptions);
            props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            cmd.add("-jar");
            cmd.add(jar.toString());

            Path log;
            Path workDir;
            try {
                Files.createDirectories(logDir);
                String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
                log = logDir.resolve(name + "-" + stamp + ".log").toAbsolutePath();
                workDir = Files.createDirectories(logDir.resolve(name + "-" + stamp + ".work")).toAbsolutePath();
                Files.writeString(log, "# " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare " + logDir, e);
            }
            Process p;
            try {
                p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + String.join(" ", cmd), e);
            }
            ServiceProcess service = new ServiceProcess(this, p, log, cmd);
            try {
                service.awaitReady(readyTimeout);
            } catch (RuntimeException e) {
                service.close();
                throw e;
            }
            return service;
        }
    }

    private void awaitReady(Duration timeout) {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        String last = "no answer";
        Rest probe = new Rest(rest.base, Duration.ofSeconds(2));
        for (int i = 0; i < timeout.toMillis() / 100 + 1 && System.nanoTime() < deadline; i++) {   // bounded
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready;"
                        + " log " + log + ":\n" + logTail(60));
            }
            try {
                Response r = probe.get("/q/health/ready");
                last = r.status + " " + r.raw;
                if (r.status == 200 && "UP".equals(r.json.path("status").asText())) {
                    System.out.printf(java.util.Locale.ROOT, "ServiceProcess %s: pid %d ready in %.1f s on %s (SIP 127.0.0.1:%d,"
                                    + " MQTT 127.0.0.1:%d%s); log %s%n", name, pid(), (System.nanoTime() - t0) / 1e9,
                            baseUrl(), sipPort, mqttPort, builtinServers ? ", built-in servers " + primaryHost + ":"
                                    + primaryPort + " / " + backupHost + ":" + backupPort : "", log);
                    return;
                }
            } catch (RuntimeException notYet) {
                last = notYet.getMessage();
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException(name + " (pid " + pid() + ") not ready within " + timeout.toSeconds()
                + " s; last /q/health/ready: " + last + "; log " + log + ":\n" + logTail(60));
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    // ------------------------------------------------------------------ REST

    /** An answer: status, the body as a Jackson tree (MissingNode when empty or not JSON), and the raw body. */
    public record Response(String method, String path, int status, JsonNode json, String raw) {
        /** The JSON body, when the status is the expected one; fails with the whole answer otherwise. */
        public JsonNode expect(int expected) {
            if (status != expected) {
                throw new AssertionError(method + " " + path + ": expected " + expected + ", got " + status + ": " + raw);
            }
            return json;
        }
    }

    /** A small JSON client over java.net.http, every request bounded. */
    public static final class Rest {
        private final URI base;
        private final Duration timeout;
        private final HttpClient http;

        Rest(URI base, Duration timeout) {
            this.base = base;
            this.timeout = timeout;
            this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        }

        public Response get(String path) {
            return send("GET", path, null, timeout);
        }

        public Response get(String path, Duration bound) {
            return send("GET", path, null, bound);
        }

        public Response delete(String path) {
            return send("DELETE", path, null, timeout);
        }

        public Response delete(String path, Duration bound) {
            return send("DELETE", path, null, bound);
        }

        public Response post(String path, Object body) {
            return send("POST", path, body, timeout);
        }

        public Response put(String path, Object body) {
            return send("PUT", path, body, timeout);
        }

        /** A GET of a text resource (e.g. /q/metrics). */
        public String text(String path) {
            Response r = send("GET", path, null, timeout);
            if (r.status != 200) {
                throw new AssertionError("GET " + path + ": " + r.status + ": " + r.raw);
            }
            return r.raw;
        }

        private Response send(String method, String path, Object body, Duration bound) {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(bound)
                        .header("Accept", "application/json, text/plain, */*");
                if (body != null) {
                    String s = body instanceof String str ? str : JSON.writeValueAsString(body);
                    b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(s));
                } else {
                    b.method(method, HttpRequest.BodyPublishers.noBody());
                }
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                JsonNode json = MissingNode.getInstance();
                String raw = r.body() == null ? "" : r.body();
                if (!raw.isBlank() && (raw.startsWith("{") || raw.startsWith("["))) {
                    try {
                        json = JSON.readTree(raw);
                    } catch (IOException notJson) {
                        // leave it missing
                    }
                }
                return new Response(method, path, r.statusCode(), json, raw);
            } catch (IOException e) {
                throw new UncheckedIOException(method + " " + base.resolve(path) + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted: " + method + " " + path, e);
            }
        }
    }
}
