package io.sipfleet.systemtests.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Linux's global ICMP rate limit ({@code net.ipv4.icmp_msgs_per_sec}, {@code icmp_msgs_burst}: 1000/s and 50 by
 * default). On loopback the "server" kernel is ours: with the primary's port closed, thousands of keep-alives a
 * second would mostly get no ICMP port unreachable and be detected by timeout instead. A benchmark running as root
 * raises both for its duration and puts the old values back in {@link #close()}.
 */
final class IcmpLimits implements AutoCloseable {
    private static final Path PER_SEC = Paths.get("/proc/sys/net/ipv4/icmp_msgs_per_sec");
    private static final Path BURST = Paths.get("/proc/sys/net/ipv4/icmp_msgs_burst");

    private final String oldPerSec;
    private final String oldBurst;
    private final boolean changed;
    private final String description;

    private IcmpLimits(String oldPerSec, String oldBurst, boolean changed, String description) {
        this.oldPerSec = oldPerSec;
        this.oldBurst = oldBurst;
        this.changed = changed;
        this.description = description;
    }

    /** Raises the limits when {@code raise} and this JVM runs as root; otherwise leaves them and says why. */
    static IcmpLimits apply(boolean raise, int perSec, int burst) {
        String oldPerSec = read(PER_SEC);
        String oldBurst = read(BURST);
        String current = "net.ipv4.icmp_msgs_per_sec " + oldPerSec + ", icmp_msgs_burst " + oldBurst;
        if (!oldPerSec.matches("\\d+") || !oldBurst.matches("\\d+")) {
            return new IcmpLimits(oldPerSec, oldBurst, false, "ICMP rate limits left alone (cannot read them: "
                    + current + ")");
        }
        if (!raise) {
            return new IcmpLimits(oldPerSec, oldBurst, false, "ICMP rate limits left alone (sipfleet.bench.raiseIcmpLimits"
                    + "=false): " + current);
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return new IcmpLimits(oldPerSec, oldBurst, false, "ICMP rate limits left alone (not root): " + current
                    + "; keep-alives that get no ICMP are detected by timeout");
        }
        try {
            Files.writeString(PER_SEC, Integer.toString(perSec));
            Files.writeString(BURST, Integer.toString(burst));
        } catch (IOException | RuntimeException e) {
            return new IcmpLimits(oldPerSec, oldBurst, false, "could not raise the ICMP rate limits (" + e + "): "
                    + current);
        }
        return new IcmpLimits(oldPerSec, oldBurst, true, "raised the ICMP rate limits for this run: "
                + "net.ipv4.icmp_msgs_per_sec " + oldPerSec + " -> " + read(PER_SEC) + ", icmp_msgs_burst " + oldBurst
                + " -> " + read(BURST) + " (restored at the end)");
    }

    String describe() {
        return description;
    }

    @Override
    public void close() {
        if (!changed) {
            return;
        }
        try {
            Files.writeString(PER_SEC, oldPerSec);
            Files.writeString(BURST, oldBurst);
            String perSec = read(PER_SEC);
            String burst = read(BURST);
            if (!perSec.equals(oldPerSec) || !burst.equals(oldBurst)) {
                throw new IOException("read back " + perSec + " / " + burst);
            }
            System.out.println("ICMP rate limits restored: net.ipv4.icmp_msgs_per_sec " + perSec + ", icmp_msgs_burst "
                    + burst);
        } catch (IOException e) {
            System.out.println("COULD NOT RESTORE the ICMP rate limits (set them back by hand: sysctl -w "
                    + "net.ipv4.icmp_msgs_per_sec=" + oldPerSec + " net.ipv4.icmp_msgs_burst=" + oldBurst + "): " + e);
        }
    }

    /**
     * One read of up to 64 bytes at offset 0. Not Files.readString: for a file of size 0 it reads one byte, then
     * reads on from offset 1, where a sysctl file answers nothing: "1000" would come back as "1".
     */
    static String read(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[64];
            int n = in.read(buf, 0, buf.length);
            return n <= 0 ? "?" : new String(buf, 0, n, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
