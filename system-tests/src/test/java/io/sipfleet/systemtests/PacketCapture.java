package io.sipfleet.systemtests;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipfleet.simulator.kamailio.KamailioPair;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SIP over UDP captured on {@code lo} by {@code dumpcap} (Wireshark's capture engine, which tshark uses) into
 * {@code target/pcap/NAME-TIMESTAMP.pcap}, and read back with {@code tshark -T fields} into {@link SipPacket}s:
 * the kernel's capture timestamp (epoch, microseconds: the system's real-time clock, the one
 * {@code System.currentTimeMillis()} reads), source and destination, method or status, From and To users,
 * Call-ID and CSeq.
 *
 * <p>{@link #start} returns only once the capture really runs: the BPF filter is widened by a probe port of
 * ours ({@code or (udp and dst host 127.0.0.1 and dst port PROBE)}), and probe datagrams are sent until one is
 * in the file. Probes are not SIP and never show up among the packets.
 *
 * <p>Skips the calling test (a JUnit assumption, with the reason) when tshark/dumpcap is not installed
 * ({@code apt-get install tshark}) or may not capture (not root, not in the wireshark group).
 *
 * <pre>{@code
 * PacketCapture cap = PacketCapture.start("cold-start", "udp and src host 127.0.0.1 and dst port 5060", 5060);
 * ... // the traffic
 * List<PacketCapture.SipPacket> packets = cap.stop();
 * }</pre>
 */
public final class PacketCapture implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final byte[] PROBE = "sipfleet-capture-probe".getBytes(StandardCharsets.US_ASCII);
    private static final String[] FIELDS = {"frame.time_epoch", "ip.src", "udp.srcport", "ip.dst", "udp.dstport",
            "sip.Method", "sip.Status-Code", "sip.from.user", "sip.to.user", "sip.Call-ID", "sip.CSeq"};

    private final String name;
    private final String filter;
    private final int[] sipPorts;
    private final Path file;
    private final Path stderr;
    private final Process dumpcap;
    private final DatagramSocket probe;
    private List<SipPacket> packets;
    private long captured = -1;
    private long dropped = -1;

    /** One SIP message: the capture instant, where from and to, and what it is. */
    public record SipPacket(long epochNanos, String srcHost, int srcPort, String dstHost, int dstPort, String method,
                            int status, String fromUser, String toUser, String callId, String cseq) {
        public boolean isRequest() {
            return method != null && !method.isEmpty();
        }

        public boolean is(String m) {
            return m.equals(method);
        }

        public boolean to(String host, int port) {
            return dstHost.equals(host) && dstPort == port;
        }

        public boolean from(String host, int port) {
            return srcHost.equals(host) && srcPort == port;
        }

        public double epochMillis() {
            return epochNanos / 1e6;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d.%06d %s:%d -> %s:%d %s From %s To %s Call-ID %s CSeq %s",
                    epochNanos / 1_000_000_000L, (epochNanos % 1_000_000_000L) / 1000, srcHost, srcPort, dstHost,
                    dstPort, isRequest() ? method : Integer.toString(status), fromUser, toUser, callId, cseq);
        }
    }

    private PacketCapture(String name, String filter, int[] sipPorts, Path file, Path stderr, Process dumpcap,
                          DatagramSocket probe) {
        this.name = name;
        this.filter = filter;
        this.sipPorts = sipPorts.clone();
        this.file = file;
        this.stderr = stderr;
        this.dumpcap = dumpcap;
        this.probe = probe;
    }

    /** True when tshark and dumpcap are installed. */
    public static boolean available() {
        return KamailioPair.findBinary("tshark").isPresent() && KamailioPair.findBinary("dumpcap").isPresent();
    }

    /**
     * Starts capturing on {@code lo} what {@code bpfFilter} matches; {@code sipPorts} are decoded as SIP when read
     * back (tshark knows only 5060 by heart). Skips the test when the capture cannot run (see the class comment).
     */
    public static PacketCapture start(String name, String bpfFilter, int... sipPorts) {
        assumeTrue(available(), "tshark is not installed (apt-get install tshark): a test measured on the packets "
                + "cannot run");
        Path dir = Paths.get("target", "pcap").toAbsolutePath();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        Path file = dir.resolve(name + "-" + stamp + ".pcap");
        Path err = dir.resolve(name + "-" + stamp + ".dumpcap.log");
        DatagramSocket probe = null;
        Process p = null;
        try {
            Files.createDirectories(dir);
            probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String fullFilter = "(" + bpfFilter + ") or (udp and dst host 127.0.0.1 and dst port " + probe.getLocalPort()
                    + ")";
            List<String> cmd = List.of(KamailioPair.findBinary("dumpcap").orElseThrow().toString(), "-i", "lo",
                    "-f", fullFilter, "-w", file.toString(), "-P", "-B", "64", "-s", "65535");
            Files.writeString(err, "# " + String.join(" ", cmd) + "\n");
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(err.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            PacketCapture capture = new PacketCapture(name, bpfFilter, sipPorts, file, err, p, probe);
            capture.awaitCapturing();
            return capture;
        } catch (IOException e) {
            cleanUp(p, probe);
            throw new UncheckedIOException("cannot start dumpcap for " + name, e);
        } catch (RuntimeException | Error e) {
            cleanUp(p, probe);
            throw e;
        }
    }

    private static void cleanUp(Process p, DatagramSocket probe) {
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
        if (probe != null) {
            probe.close();
        }
    }

    /** Sends probes (every 50 ms, bounded) until one is written to the file: the capture is live. */
    private void awaitCapturing() throws IOException {
        long t0 = System.nanoTime();
        long deadline = t0 + START_TIMEOUT.toNanos();
        DatagramPacket datagram = new DatagramPacket(PROBE, PROBE.length, probe.getLocalSocketAddress());
        for (int i = 0; i < START_TIMEOUT.toMillis() / 50 + 1 && System.nanoTime() < deadline; i++) {
            if (!dumpcap.isAlive()) {
                String out = ServiceProcess.tail(stderr, 20);
                assumeTrue(!out.toLowerCase(Locale.ROOT).contains("permission"),
                        "dumpcap may not capture on lo (run as root, or add the user to the wireshark group): " + out);
                throw new IllegalStateException("dumpcap exited (" + dumpcap.exitValue() + ") before capturing:\n" + out);
            }
            probe.send(datagram);
            if (Files.exists(file) && Files.size(file) > 24 && stderrText().contains("Capturing on")) {
                return;
            }
            try {
                dumpcap.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("dumpcap did not capture a probe within " + START_TIMEOUT.toSeconds() + " s:\n"
                + ServiceProcess.tail(stderr, 20));
    }

    private String stderrText() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The pcap file. */
    public Path file() {
        return file;
    }

    public String filter() {
        return filter;
    }

    /** Packets dumpcap captured (probes included), known after {@link #stop()}; -1 before or when not reported. */
    public long capturedCount() {
        return captured;
    }

    /** Packets the capture lost (kernel buffer full), after {@link #stop()}; -1 when not reported. */
    public long droppedCount() {
        return dropped;
    }

    /** Stops dumpcap (SIGTERM by PID, bounded) and reads the SIP messages back (at most once; then cached). */
    public synchronized List<SipPacket> stop() {
        if (packets != null) {
            return packets;
        }
        stopDumpcap();
        packets = read();
        return packets;
    }

    /**
     * Sends an end marker (a probe with a unique payload) until it is in the file: every packet captured before it
     * is then in the file too. Without this barrier, SIGTERM loses what still waits in the kernel's capture ring
     * (dumpcap reads it in blocks, every ~250 ms).
     */
    private void drain() {
        byte[] marker = ("sipfleet-capture-end-" + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
        DatagramPacket datagram = new DatagramPacket(marker, marker.length, probe.getLocalSocketAddress());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (int i = 0; i < 300 && System.nanoTime() < deadline && dumpcap.isAlive(); i++) {   // bounded
            try {
                if (i % 2 == 0) {
                    probe.send(datagram);
                }
                if (tailContains(marker)) {
                    return;
                }
                dumpcap.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot send the capture's end marker", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        System.out.println(this + ": end marker not seen in the file within 15 s; the last packets may be missing");
    }

    private boolean tailContains(byte[] marker) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int n = (int) Math.min(len, 4 << 20);
            byte[] buf = new byte[n];
            f.seek(len - n);
            f.readFully(buf);
            outer:
            for (int i = n - marker.length; i >= 0; i--) {
                for (int j = 0; j < marker.length; j++) {
                    if (buf[i + j] != marker[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }
    }

    private void stopDumpcap() {
        try {
            if (dumpcap.isAlive()) {
                drain();
            }
            if (dumpcap.isAlive()) {
                dumpcap.destroy();
                if (!dumpcap.waitFor(15, TimeUnit.SECONDS)) {
                    dumpcap.destroyForcibly();
                    dumpcap.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dumpcap.destroyForcibly();
        } finally {
            probe.close();
        }
        Matcher m = Pattern.compile("received/dropped on interface '[^']*': (\\d+)/(\\d+)").matcher(stderrText());
        if (m.find()) {
            captured = Long.parseLong(m.group(1));
            dropped = Long.parseLong(m.group(2));
        }
    }

    private List<SipPacket> read() {
        Path tsv = Paths.get(file.toString().replaceAll("\\.pcap$", "") + ".tsv");
        Path err = Paths.get(file.toString().replaceAll("\\.pcap$", "") + ".tshark.log");
        List<String> cmd = new ArrayList<>(List.of(KamailioPair.findBinary("tshark").orElseThrow().toString(),
                "-r", file.toString(), "-n"));
        for (int port : sipPorts) {
            cmd.add("-d");
            cmd.add("udp.port==" + port + ",sip");
        }
        cmd.addAll(List.of("-Y", "sip.Method || sip.Status-Code", "-T", "fields", "-E", "separator=/t",
                "-E", "occurrence=f"));
        for (String f : FIELDS) {
            cmd.add("-e");
            cmd.add(f);
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(tsv.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("tshark did not read " + file + " within 15 minutes");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): "
                        + ServiceProcess.tail(err, 20));
            }
            List<SipPacket> out = new ArrayList<>();
            try (var lines = Files.lines(tsv, StandardCharsets.UTF_8)) {
                lines.forEach(l -> {
                    SipPacket sp = parse(l);
                    if (sp != null) {
                        out.add(sp);
                    }
                });
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " with tshark", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static SipPacket parse(String line) {
        String[] c = line.split("\t", -1);
        if (c.length < FIELDS.length || c[0].isEmpty()) {
            return null;
        }
        return new SipPacket(epochNanos(c[0]), c[1], intOr(c[2], -1), c[3], intOr(c[4], -1), c[5], intOr(c[6], 0),
                c[7], c[8], c[9], c[10]);
    }

    /** "1796286043.718384000" -> ns since the epoch. */
    static long epochNanos(String s) {
        int dot = s.indexOf('.');
        if (dot < 0) {
            return Long.parseLong(s) * 1_000_000_000L;
        }
        String frac = (s.substring(dot + 1) + "000000000").substring(0, 9);
        return Long.parseLong(s.substring(0, dot)) * 1_000_000_000L + Long.parseLong(frac);
    }

    private static int intOr(String s, int otherwise) {
        try {
            return s.isEmpty() ? otherwise : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** Stops the capture if it still runs (without reading it). */
    @Override
    public void close() {
        if (packets == null && (dumpcap.isAlive() || !probe.isClosed())) {
            stopDumpcap();
        }
    }

    @Override
    public String toString() {
        return "PacketCapture " + name + " [" + filter + "] -> " + file;
    }
}
