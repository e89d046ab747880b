package io.sipfleet.simulator.kamailio;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.sipfleet.simulator.sip.TlsMaterial;

/**
 * A real primary/backup Kamailio pair for integration tests: two {@code kamailio} processes
 * started from {@code src/test/resources/kamailio/kamailio.cfg}, each on its own loopback
 * address and port (UDP and TCP), sharing their registrations through dmq + dmq_usrloc (KDMQ over
 * UDP).
 *
 * <p>SIP over TLS on the next port ({@link Server#tlsPort()} = port + 1, as the built-in servers) when
 * Kamailio's tls module is installed (Debian package kamailio-tls-modules): the servers present the
 * simulator's own certificate ({@link TlsMaterial#generated()} by default, which the phones trust),
 * exported as PEM files (0600) into the pair's work directory, and ask for no client certificate.
 * Without the module, or when Kamailio does not start with it, the pair starts without TLS,
 * {@link #supportsTls()} is false and {@link #tlsUnavailableReason()} says why (printed once per JVM).
 *
 * <p>Users need no provisioning: the password of user {@code U} is {@code "pw" + U}; the realm
 * is the To domain (REGISTER) or the From domain (INVITE).
 *
 * <p>Each {@link Server} can be switched at run time ({@link Server#mode(String)}: up, 503,
 * 500, silent), frozen ({@link Server#freeze()}, SIGSTOP of all its processes), killed
 * ({@link Server#kill()}, SIGKILL: its port is closed, UDP gets ICMP port unreachable, TCP is
 * refused), restarted, and have TCP SYNs to it dropped ({@link Server#tcpBlackhole(boolean)},
 * iptables; needs root; the TLS port too).
 *
 * <p>Plain Java, JUnit-agnostic. {@link #close()} kills only the processes this object started
 * (by PID) and removes the iptables rules it added; a JVM shutdown hook does the same if the
 * pair was not closed. Each instance's stderr goes to {@code target/kamailio/}.
 *
 * <pre>{@code
 * assumeTrue(KamailioPair.available(), KamailioPair.unavailableReason());
 * try (KamailioPair pair = KamailioPair.start()) {
 *     pair.primary().mode("503");
 *     ...
 * }
 * }</pre>
 */
public final class KamailioPair implements AutoCloseable {

    /** The availability modes of {@link Server#mode(String)}. */
    public static final Set<String> MODES = Set.of("up", "503", "500", "silent");

    private static final String CONFIG_RESOURCE = "/kamailio/kamailio.cfg";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final String IPTABLES_COMMENT = "sipfleet-KamailioPair";
    /** Where distributions put Kamailio's modules (the tls module beside tm). */
    private static final List<String> MODULE_DIRS = List.of("/usr/lib/x86_64-linux-gnu/kamailio/modules",
            "/usr/lib/aarch64-linux-gnu/kamailio/modules", "/usr/lib/kamailio/modules",
            "/usr/lib64/kamailio/modules", "/usr/local/lib/kamailio/modules", "/usr/local/lib64/kamailio/modules");
    private static final AtomicBoolean TLS_REASON_PRINTED = new AtomicBoolean();

    private final Builder settings;
    private final Path workDir;
    private final Path configFile;
    /** The tls config file of both instances, or null without TLS. */
    private final Path tlsConfig;
    private final String tlsUnavailableReason;
    private final Server primary;
    private final Server backup;
    private final Thread shutdownHook;
    private volatile boolean closed;

    /** @param noTls why there is no TLS, or null: TLS on */
    private KamailioPair(Builder settings, String noTls) throws IOException {
        this.settings = settings;
        this.workDir = Files.createTempDirectory("sipfleet-kamailio-"); // owner-only (0700) on POSIX
        this.tlsUnavailableReason = noTls == null ? "" : noTls;
        if (settings.configFile != null) {
            this.configFile = settings.configFile;
        } else {
            this.configFile = workDir.resolve("kamailio.cfg");
            try (InputStream in = KamailioPair.class.getResourceAsStream(CONFIG_RESOURCE)) {
                if (in == null) {
                    throw new IOException("classpath resource " + CONFIG_RESOURCE + " not found");
                }
                Files.copy(in, configFile, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.createDirectories(settings.logDir);
        boolean tls = noTls == null;
        this.tlsConfig = tls ? writeTlsConfig(workDir.resolve("tls"),
                settings.tlsMaterial != null ? settings.tlsMaterial : TlsMaterial.generated()) : null;
        int primaryPort = settings.primaryPort > 0 ? settings.primaryPort : freePort(settings.primaryHost, tls);
        int backupPort = settings.backupPort > 0 ? settings.backupPort : freePort(settings.backupHost, tls);
        this.primary = new Server("primary", settings.primaryHost, primaryPort);
        this.backup = new Server("backup", settings.backupHost, backupPort);
        primary.peer = backup;
        backup.peer = primary;
        this.shutdownHook = new Thread(this::cleanUpQuietly, "KamailioPair-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a pair with the defaults: primary on 127.0.0.2, backup on 127.0.0.3, free ports. */
    public static KamailioPair start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ availability checks

    /** True when the {@code kamailio} and {@code kamcmd} binaries are installed. */
    public static boolean available() {
        return findBinary("kamailio").isPresent() && findBinary("kamcmd").isPresent();
    }

    /** Why {@link #available()} is false, for a skip message (empty string when available). */
    public static String unavailableReason() {
        if (findBinary("kamailio").isEmpty()) {
            return "kamailio is not installed (apt-get install kamailio): real-Kamailio tests skipped";
        }
        if (findBinary("kamcmd").isEmpty()) {
            return "kamcmd is not installed (part of the kamailio package): real-Kamailio tests skipped";
        }
        return "";
    }

    /**
     * Where Kamailio's tls module is: {@code tls.so} in one of the usual module directories
     * (Debian's first); empty when it is not installed. (Whether Kamailio then starts with it is found
     * out by starting it: see {@link #supportsTls()}.)
     */
    public static Optional<Path> tlsModule() {
        for (String dir : MODULE_DIRS) {
            Path tls = Paths.get(dir, "tls.so");
            if (Files.isRegularFile(tls)) {
                return Optional.of(tls);
            }
        }
        return Optional.empty();
    }

    private static String tlsModuleMissing() {
        Optional<String> moduleDir = MODULE_DIRS.stream().filter(d -> Files.isRegularFile(Paths.get(d, "tm.so")))
                .findFirst();
        return "Kamailio's tls module is not installed (no tls.so in "
                + moduleDir.orElse(String.join(", ", MODULE_DIRS))
                + "; apt-get install kamailio-tls-modules): the pair has no SIP over TLS";
    }

    /** True when iptables can be changed (installed and we are root): {@link Server#tcpBlackhole}. */
    public static boolean tcpBlackholeSupported() {
        Optional<Path> iptables = findBinary("iptables");
        if (iptables.isEmpty()) {
            return false;
        }
        try {
            return run(List.of(iptables.get().toString(), "-w", "5", "-S", "INPUT"), COMMAND_TIMEOUT).exitCode == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** True when SIPp ({@code sipp}, Debian package sip-tester) is installed. */
    public static boolean sippAvailable() {
        return findBinary("sipp").isPresent();
    }

    /** The path of an installed binary (PATH, then the sbin directories a non-root PATH lacks). */
    public static Optional<Path> findBinary(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * A port that is free for both UDP and TCP on {@code ip} (checked by binding both; another
     * process can still take it before it is used).
     */
    public static int freePort(String ip) {
        return freePort(ip, false);
    }

    /** As {@link #freePort(String)}; with {@code andNextForTcp}, the next port is free for TCP as well (TLS). */
    public static int freePort(String ip, boolean andNextForTcp) {
        InetAddress address = inet(ip);
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress(address, 0));
                port = tcp.getLocalPort();
                if (andNextForTcp && port >= 65535) {
                    continue;
                }
                try (DatagramSocket udp = new DatagramSocket(null)) {
                    udp.setReuseAddress(false);
                    udp.bind(new InetSocketAddress(address, port));
                    if (!andNextForTcp) {
                        return port;
                    }
                    try (ServerSocket next = new ServerSocket()) {
                        next.setReuseAddress(false);
                        next.bind(new InetSocketAddress(address, port + 1));
                        return port;
                    } catch (IOException nextTaken) {
                        // try another one
                    }
                } catch (IOException udpTaken) {
                    // try another one
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind a TCP socket on " + ip, e);
            }
        }
        throw new IllegalStateException("no port free for both UDP and TCP" + (andNextForTcp ? " (and the next for TCP)" : "")
                + " on " + ip + " after 100 attempts");
    }

    /**
     * Writes the PEM certificate and key of {@code material} and the tls module's config file into
     * {@code dir} (owner-only): server side TLSv1.2 or newer, no client certificate asked for;
     * client side (connections Kamailio opens, e.g. to a phone's TLS contact) verifies nothing.
     */
    private static Path writeTlsConfig(Path dir, TlsMaterial material) throws IOException {
        Files.createDirectories(dir);
        Path certificate = dir.resolve("certificate.pem");
        Path key = dir.resolve("private-key.pem");
        material.writePem(certificate, key);
        Path config = dir.resolve("tls.cfg");
        Files.writeString(config, "# written by KamailioPair: the simulator's certificate, exported from "
                + material.keyStore().getFileName() + "\n"
                + "[server:default]\n"
                + "method = TLSv1.2+\n"
                + "verify_certificate = no\n"
                + "require_certificate = no\n"
                + "certificate = " + certificate.toAbsolutePath() + "\n"
                + "private_key = " + key.toAbsolutePath() + "\n"
                + "\n"
                + "[client:default]\n"
                + "method = TLSv1.2+\n"
                + "verify_certificate = no\n"
                + "require_certificate = no\n", StandardCharsets.UTF_8);
        return config;
    }

    // ------------------------------------------------------------------ the pair

    public Server primary() {
        return primary;
    }

    public Server backup() {
        return backup;
    }

    /** Whether the servers speak SIP over TLS, on {@link Server#tlsPort()}. */
    public boolean supportsTls() {
        return tlsConfig != null;
    }

    /** Why {@link #supportsTls()} is false (empty when it is true). */
    public String tlsUnavailableReason() {
        return tlsUnavailableReason;
    }

    /** Where the pair's config, run dirs and control sockets live (a temp directory). */
    public Path workDir() {
        return workDir;
    }

    /**
     * Waits until each running server lists the other as an active dmq node (registrations then
     * replicate). {@link #start()} and {@link Server#restart()} already call it.
     */
    public void awaitReplication(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Server server : List.of(primary, backup)) {
            if (!server.isRunning()) {
                continue;
            }
            String last = "";
            boolean ok = false;
            while (System.nanoTime() < deadline) {
                last = server.kamcmd("dmq.list_nodes");
                if (dmqNodeActive(last, server.peer)) {
                    ok = true;
                    break;
                }
                sleep(100);
            }
            if (!ok) {
                throw new IllegalStateException(server.name + " does not list " + server.peer.name
                        + " as an active dmq node after " + timeout.toMillis() + " ms:\n" + last);
            }
        }
    }

    private static boolean dmqNodeActive(String listNodes, Server peer) {
        for (String block : listNodes.split("}")) {
            if (hasLine(block, "host: " + peer.host) && hasLine(block, "port: " + peer.port)
                    && hasLine(block, "status: active") && hasLine(block, "local: 0")) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasLine(String text, String line) {
        return text.lines().map(String::trim).anyMatch(line::equals);
    }

    /** Kills the processes this pair started (by PID) and removes its iptables rules. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        cleanUpQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private synchronized void cleanUpQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        for (Server server : List.of(primary, backup)) {
            try {
                server.tcpBlackhole(false);
            } catch (RuntimeException e) {
                System.err.println("KamailioPair: removing the iptables rule of " + server + " failed: " + e.getMessage());
            }
        }
        for (Server server : List.of(primary, backup)) {
            try {
                server.killProcesses();
            } catch (RuntimeException e) {
                System.err.println("KamailioPair: killing " + server + " failed: " + e.getMessage());
            }
        }
        deleteRecursively(workDir);
    }

    @Override
    public String toString() {
        return "KamailioPair[primary=" + primary + ", backup=" + backup + (supportsTls() ? ", TLS on port + 1" : "")
                + "]";
    }

    // ------------------------------------------------------------------ one server

    /** One Kamailio instance of the pair. */
    public final class Server {
        private final String name;
        private final String host;
        private final int port;
        private final Path runDir;
        private final Path ctlSocket;
        private final Path logFile;
        private Server peer;
        private Process process;
        private List<ProcessHandle> processes = List.of();
        private boolean frozen;
        private boolean blackholed;
        private String mode = "up";

        private Server(String name, String host, int port) throws IOException {
            this.name = name;
            this.host = host;
            this.port = port;
            this.runDir = Files.createDirectories(workDir.resolve(name));
            this.ctlSocket = runDir.resolve("kamailio_ctl");
            this.logFile = settings.logDir.resolve(name + "-" + host + "-" + port + ".log");
        }

        public String name() {
            return name;
        }

        public String host() {
            return host;
        }

        public int port() {
            return port;
        }

        public InetSocketAddress address() {
            return new InetSocketAddress(inet(host), port);
        }

        /** The SIP over TLS port: {@link #port()} + 1 (only when {@link KamailioPair#supportsTls()}). */
        public int tlsPort() {
            if (!supportsTls()) {
                throw new IllegalStateException(this + " has no TLS: " + tlsUnavailableReason);
            }
            return port + 1;
        }

        public InetSocketAddress tlsAddress() {
            return new InetSocketAddress(inet(host), tlsPort());
        }

        /** "host:port", as a phone's server address. */
        public String hostPort() {
            return host + ":" + port;
        }

        /** The file that receives this instance's stderr (appended to across restarts). */
        public Path logFile() {
            return logFile;
        }

        /** The ctl (binrpc) socket: {@code kamcmd -s unix:<this> ...}. */
        public Path ctlSocket() {
            return ctlSocket;
        }

        /** PID of the main kamailio process, or -1 when not running. */
        public synchronized long pid() {
            return process != null && process.isAlive() ? process.pid() : -1;
        }

        public synchronized boolean isRunning() {
            return process != null && process.isAlive();
        }

        public synchronized boolean isFrozen() {
            return frozen;
        }

        /** The mode last set with {@link #mode(String)} ("up" after a (re)start). */
        public synchronized String mode() {
            return mode;
        }

        /**
         * Switches the server at run time: "up" (normal), "503" / "500" (that reply to every
         * request), "silent" (nothing is answered or relayed). KDMQ between the pair is exempt.
         * Runs {@code kamcmd -s unix:CTL htable.sets sipfleet mode s:MODE}.
         */
        public synchronized void mode(String newMode) {
            String m = Objects.requireNonNull(newMode, "mode").trim().toLowerCase(Locale.ROOT);
            if (!MODES.contains(m)) {
                throw new IllegalArgumentException("mode must be one of " + MODES + " (for \"down\" use kill()), not " + newMode);
            }
            requireRunning("mode(" + m + ")");
            if (frozen) {
                throw new IllegalStateException(this + " is frozen: thaw() it before changing its mode");
            }
            kamcmd("htable.sets", "sipfleet", "mode", "s:" + m);
            String check = kamcmd("htable.get", "sipfleet", "mode");
            if (!check.contains("value: " + m)) {
                throw new IllegalStateException("mode of " + this + " not applied, htable.get says: " + check);
            }
            mode = m;
        }

        /**
         * Runs {@code kamcmd -s unix:<ctl socket> ARGS...} and returns its output; fails on a
         * non-zero exit, on an RPC error (kamcmd prints "error: CODE - text" and exits 0) or
         * after 5 s (a frozen server never answers).
         */
        public String kamcmd(String... args) {
            Result result = kamcmdResult(args);
            if (result.exitCode != 0 || result.output.startsWith("error:")) {
                throw new IllegalStateException("kamcmd -s unix:" + ctlSocket + " " + String.join(" ", args)
                        + " failed (" + result.exitCode + "): " + result.output);
            }
            return result.output;
        }

        private Result kamcmdResult(String... args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(findBinary("kamcmd").orElseThrow(() -> new IllegalStateException(unavailableReason())).toString());
            cmd.add("-s");
            cmd.add("unix:" + ctlSocket);
            cmd.addAll(List.of(args));
            return run(cmd, COMMAND_TIMEOUT);
        }

        /** True when this server's location table holds a binding of {@code user} ({@code ul.lookup}). */
        public boolean hasBinding(String user) {
            Result result = kamcmdResult("ul.lookup", "location", user);
            if (result.output.contains("AOR not found")) {
                return false;
            }
            if (result.exitCode != 0 || result.output.startsWith("error:")) {
                throw new IllegalStateException("kamcmd ul.lookup location " + user + " on " + this + ": " + result.output);
            }
            return result.output.contains("AoR: " + user);
        }

        /** Waits up to {@code timeout} until {@link #hasBinding(String)}; returns whether it came. */
        public boolean awaitBinding(String user, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                if (hasBinding(user)) {
                    return true;
                }
                if (System.nanoTime() >= deadline) {
                    return false;
                }
                sleep(25);
            }
        }

        /** The number of contacts in this server's location table (usrloc:location_contacts). */
        public long locationContacts() {
            String out = kamcmd("stats.get_statistics", "location_contacts");
            Matcher m = Pattern.compile("location_contacts\\s*=\\s*(\\d+)").matcher(out);
            if (!m.find()) {
                throw new IllegalStateException("unexpected stats.get_statistics output from " + this + ": " + out);
            }
            return Long.parseLong(m.group(1));
        }

        /** SIGSTOP to every process of this instance: it neither answers nor closes anything. */
        public synchronized void freeze() {
            requireRunning("freeze()");
            if (frozen) {
                return;
            }
            processes = snapshotProcesses();
            signal("STOP", processes);
            frozen = true;
        }

        /** SIGCONT to every process frozen by {@link #freeze()}. */
        public synchronized void thaw() {
            if (!frozen) {
                return;
            }
            signal("CONT", processes);
            frozen = false;
        }

        /**
         * SIGKILL to every process of this instance (the main one and its workers), then waits
         * until the port is closed: UDP then gets ICMP port unreachable, TCP connects are refused.
         */
        public synchronized void kill() {
            killProcesses();
        }

        /** Kills the instance if it runs, starts it again (mode "up"), waits until it answers. */
        public synchronized void restart() {
            killProcesses();
            startProcess();
            awaitAnswering(settings.startTimeout);
            if (peer.isRunning() && !peer.isFrozen()) {
                awaitReplication(settings.startTimeout);
            }
        }

        /**
         * Drops (true) or stops dropping (false) TCP SYNs to this server: a TCP connect then times
         * out. {@code iptables -I INPUT -p tcp -d HOST --dport PORT --syn -m comment --comment
         * sipfleet-KamailioPair -j DROP}, removed with {@code -D}; with TLS, {@code --dport PORT:TLSPORT}
         * (its TLS connects as well). Needs root.
         */
        public synchronized void tcpBlackhole(boolean on) {
            if (on == blackholed) {
                return;
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(findBinary("iptables").orElseThrow(
                    () -> new IllegalStateException("iptables is not installed: no TCP black hole")).toString());
            String ports = supportsTls() ? port + ":" + (port + 1) : Integer.toString(port);
            cmd.addAll(List.of("-w", "5", on ? "-I" : "-D", "INPUT", "-p", "tcp", "-d", host,
                    "--dport", ports, "--syn", "-m", "comment", "--comment", IPTABLES_COMMENT,
                    "-j", "DROP"));
            Result result = run(cmd, COMMAND_TIMEOUT);
            if (result.exitCode != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (" + result.exitCode
                        + ", root needed): " + result.output);
            }
            blackholed = on;
        }

        public synchronized boolean isTcpBlackholed() {
            return blackholed;
        }

        /** Sends an OPTIONS over UDP and waits up to {@code timeout} for its 200. */
        public boolean answersOptions(Duration timeout) {
            return optionsPing(address(), timeout);
        }

        /** Waits until the server answers an OPTIONS with 200 (fails with its log's tail). */
        public void awaitAnswering(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!isRunning()) {
                    throw new IllegalStateException(this + " exited with " + exitCode() + " while starting; log "
                            + logFile + ":\n" + tail(logFile, 40));
                }
                if (optionsPing(address(), Duration.ofMillis(250)) && (!supportsTls() || tcpAccepts(tlsAddress()))) {
                    return;
                }
            }
            throw new IllegalStateException(this + " did not answer OPTIONS within " + timeout.toMillis()
                    + " ms; log " + logFile + ":\n" + tail(logFile, 40));
        }

        private synchronized String exitCode() {
            return process == null || process.isAlive() ? "?" : Integer.toString(process.exitValue());
        }

        private void requireRunning(String what) {
            if (!isRunning()) {
                throw new IllegalStateException(what + ": " + this + " is not running");
            }
        }

        private synchronized void startProcess() {
            if (isRunning()) {
                throw new IllegalStateException(this + " already runs");
            }
            Path kamailio = findBinary("kamailio").orElseThrow(() -> new IllegalStateException(unavailableReason()));
            Path pidFile = runDir.resolve("kamailio.pid");
            try {
                Files.deleteIfExists(pidFile);
                Files.deleteIfExists(ctlSocket);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            List<String> cmd = new ArrayList<>(List.of(kamailio.toString(),
                    "-DD", "-E",
                    "-f", configFile.toString(),
                    "-Y", runDir.toString(),
                    "-P", pidFile.toString(),
                    "-m", Integer.toString(settings.sharedMemoryMb),
                    "-A", "SIP_IP=" + host,
                    "-A", "SIP_PORT=" + port,
                    "-A", "PEER_IP=" + peer.host,
                    "-A", "PEER_PORT=" + peer.port,
                    "-A", "DMQ_SERVER_ADDRESS=\"sip:" + host + ":" + port + "\"",
                    "-A", "DMQ_NOTIFICATION_ADDRESS=\"sip:" + peer.host + ":" + peer.port + "\"",
                    "-A", "CTL_SOCKET=\"unix:" + ctlSocket + "\"",
                    "-A", "LOG_LEVEL=" + settings.logLevel));
            if (supportsTls()) {
                cmd.addAll(List.of("-A", "WITH_TLS",
                        "-A", "TLS_PORT=" + (port + 1),
                        "-A", "PEER_TLS_PORT=" + (peer.port + 1),
                        "-A", "TLS_CONFIG=\"" + tlsConfig + "\""));
            }
            try {
                Files.writeString(logFile, "==== " + LocalDateTime.now() + " " + String.join(" ", cmd) + "\n",
                        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                process = new ProcessBuilder(cmd)
                        .directory(runDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + String.join(" ", cmd), e);
            }
            processes = List.of(process.toHandle());
            frozen = false;
            mode = "up";
        }

        /** The main process and its descendants (kamailio forks its workers at start). */
        private List<ProcessHandle> snapshotProcesses() {
            if (process == null) {
                return List.of();
            }
            List<ProcessHandle> all = new ArrayList<>();
            all.add(process.toHandle());
            process.toHandle().descendants().forEach(all::add);
            return all;
        }

        private synchronized void killProcesses() {
            if (process == null) {
                return;
            }
            // the main one first (it then cannot fork), then every worker known before
            List<ProcessHandle> victims = new ArrayList<>(snapshotProcesses());
            for (ProcessHandle known : processes) {
                if (victims.stream().noneMatch(p -> p.pid() == known.pid())) {
                    victims.add(known);
                }
            }
            for (ProcessHandle victim : victims) {
                victim.destroyForcibly();
            }
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline && victims.stream().anyMatch(KamailioPair::alive)) {
                sleep(20);
            }
            List<Long> survivors = victims.stream().filter(KamailioPair::alive).map(ProcessHandle::pid)
                    .collect(Collectors.toList());
            process = null;
            processes = List.of();
            frozen = false;
            if (!survivors.isEmpty()) {
                throw new IllegalStateException(this + ": processes " + survivors + " survived SIGKILL");
            }
            awaitPortClosed(Duration.ofSeconds(5));
        }

        private void awaitPortClosed(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                try (DatagramSocket udp = new DatagramSocket(null)) {
                    udp.bind(new InetSocketAddress(inet(host), port));
                    return;
                } catch (IOException stillBound) {
                    sleep(20);
                }
            }
            throw new IllegalStateException(this + ": UDP port still bound " + timeout.toMillis() + " ms after SIGKILL");
        }

        @Override
        public String toString() {
            return name + "(" + host + ":" + port + ")";
        }
    }

    // ------------------------------------------------------------------ builder

    public static final class Builder {
        private String primaryHost = "127.0.0.2";
        private String backupHost = "127.0.0.3";
        private int primaryPort;
        private int backupPort;
        private Path logDir = Paths.get("target", "kamailio");
        private Path configFile;
        private int sharedMemoryMb = 512;
        private int logLevel = 1;
        private Duration startTimeout = Duration.ofSeconds(10);
        private boolean tls = true;
        private TlsMaterial tlsMaterial;

        private Builder() {
        }

        /**
         * SIP over TLS on port + 1 when the tls module is there (default true); false: never. A config
         * file of one's own ({@link #configFile}) has TLS only if it honours {@code WITH_TLS} as ours does.
         */
        public Builder tls(boolean enabled) {
            this.tls = enabled;
            return this;
        }

        /** The key and certificate the servers present (default {@link TlsMaterial#generated()}). */
        public Builder tlsMaterial(TlsMaterial material) {
            this.tlsMaterial = material;
            return this;
        }

        public Builder primary(String host, int port) {
            this.primaryHost = requireLoopback(host);
            this.primaryPort = port;
            return this;
        }

        public Builder backup(String host, int port) {
            this.backupHost = requireLoopback(host);
            this.backupPort = port;
            return this;
        }

        /** Where the instances' stderr logs go (default {@code target/kamailio}). */
        public Builder logDir(Path dir) {
            this.logDir = dir;
            return this;
        }

        /** Another config file than the classpath's {@code kamailio/kamailio.cfg}. */
        public Builder configFile(Path file) {
            this.configFile = file;
            return this;
        }

        /** {@code -m}: shared memory in MB (default 512, see the stack notes). */
        public Builder sharedMemoryMb(int mb) {
            this.sharedMemoryMb = mb;
            return this;
        }

        /** Kamailio {@code debug} level: -1 alert ... 1 warning (default) 2 info 3 debug. */
        public Builder logLevel(int level) {
            this.logLevel = level;
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Starts the primary, then the backup, and waits until both answer and replicate. With TLS
         * wanted and the tls module installed, a pair that does not start with TLS is started again
         * without (the reason in {@link KamailioPair#tlsUnavailableReason()}).
         */
        public KamailioPair start() {
            if (!available()) {
                throw new IllegalStateException(unavailableReason());
            }
            String noTls = !tls ? "TLS turned off (KamailioPair.Builder.tls(false))"
                    : tlsModule().isEmpty() ? tlsModuleMissing() : null;
            if (noTls == null) {
                try {
                    return startPair(null);
                } catch (RuntimeException e) {
                    String why = e.getMessage() == null ? e.toString() : e.getMessage();
                    noTls = "Kamailio did not start with its tls module (" + tlsLine(why)
                            + "): the pair runs without SIP over TLS; logs in " + logDir.toAbsolutePath();
                }
            }
            if (tls && TLS_REASON_PRINTED.compareAndSet(false, true)) {
                System.err.println("KamailioPair: " + noTls);
            }
            return startPair(noTls);
        }

        private KamailioPair startPair(String noTls) {
            KamailioPair pair;
            try {
                pair = new KamailioPair(this, noTls);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare the Kamailio pair", e);
            }
            try {
                pair.primary.startProcess();
                pair.backup.startProcess();
                pair.primary.awaitAnswering(startTimeout);
                pair.backup.awaitAnswering(startTimeout);
                pair.awaitReplication(startTimeout);
                return pair;
            } catch (RuntimeException e) {
                pair.close();
                throw e;
            }
        }

        /**
         * The line of a start failure that says most: Kamailio's first ERROR or CRITICAL line naming
         * tls, else its first ERROR or CRITICAL line, else the last line.
         */
        private static String tlsLine(String text) {
            List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            List<String> errors = lines.stream().filter(l -> l.contains("ERROR:") || l.contains("CRITICAL:")).toList();
            return errors.stream().filter(l -> l.toLowerCase(Locale.ROOT).contains("tls")).findFirst()
                    .or(() -> errors.stream().findFirst())
                    .orElse(lines.isEmpty() ? "" : lines.get(lines.size() - 1));
        }

        private static String requireLoopback(String host) {
            if (!inet(host).isLoopbackAddress()) {
                throw new IllegalArgumentException("only loopback addresses are allowed, not " + host);
            }
            return host;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Sends one OPTIONS over UDP from 127.0.0.1 and waits for its "SIP/2.0 200". */
    static boolean optionsPing(InetSocketAddress server, Duration timeout) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            String callId = UUID.randomUUID() + "@sipfleet-ping";
            String branch = "z9hG4bK" + Long.toHexString(ThreadLocalRandom.current().nextLong());
            String host = server.getAddress().getHostAddress();
            String msg = "OPTIONS sip:" + host + ":" + server.getPort() + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:" + socket.getLocalPort() + ";branch=" + branch + ";rport\r\n"
                    + "Max-Forwards: 70\r\n"
                    + "From: <sip:ping@127.0.0.1>;tag=" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "\r\n"
                    + "To: <sip:" + host + ":" + server.getPort() + ">\r\n"
                    + "Call-ID: " + callId + "\r\n"
                    + "CSeq: 1 OPTIONS\r\n"
                    + "Content-Length: 0\r\n\r\n";
            byte[] bytes = msg.getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(bytes, bytes.length, server));
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] buf = new byte[65535];
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                DatagramPacket packet = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    return false;
                }
                String reply = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
                if (reply.startsWith("SIP/2.0 200") && reply.contains(callId)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a TCP connect to {@code address} completes within 250 ms (closed at once). */
    static boolean tcpAccepts(InetSocketAddress address) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(address, 250);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean alive(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return false;
        }
        // a zombie (killed, not yet reaped by its new parent) holds no socket any more
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(handle.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }

    private static void signal(String signal, List<ProcessHandle> targets) {
        List<String> pids = targets.stream().filter(ProcessHandle::isAlive).map(p -> Long.toString(p.pid()))
                .collect(Collectors.toList());
        if (pids.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(findBinary("kill").map(Path::toString).orElse("/bin/kill"));
        cmd.add("-" + signal);
        cmd.addAll(pids);
        Result result = run(cmd, COMMAND_TIMEOUT);
        if (result.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (" + result.exitCode + "): " + result.output);
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> cmd, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
        }
        // outputs are small: read them on a helper thread so that a hung command stays bounded
        java.util.concurrent.CompletableFuture<String> out = new java.util.concurrent.CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                out.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException killed) {
                out.complete("");
            }
        }, "KamailioPair-cmd-output");
        reader.setDaemon(true);
        reader.start();
        String output;
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(1, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + timeout.toMillis() + " ms");
            }
            output = out.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            output = "(output not read: " + e + ")";
        }
        return new Result(p.exitValue(), output.trim());
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    private static InetAddress inet(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an address: " + ip, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
