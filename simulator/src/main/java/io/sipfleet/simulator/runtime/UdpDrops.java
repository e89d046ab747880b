package io.sipfleet.simulator.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Datagrams the kernel dropped because a UDP socket's receive buffer was full (the {@code drops} column
 * of {@code /proc/net/udp} and {@code udp6}): a SIP stack that reads too slowly loses answers, and a
 * timeout that follows is our doing, not the server's. Linux only; elsewhere it reads 0.
 */
public final class UdpDrops {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));
    private final String portHex;

    /** @param port the local port of the sockets to watch */
    public UdpDrops(int port) {
        this.portHex = String.format(Locale.ROOT, "%04X", port);
    }

    /** Drops of every socket bound to the port, since each was opened. */
    public long total() {
        long sum = 0;
        for (Path t : TABLES) {
            try {
                for (String line : Files.readAllLines(t)) {
                    sum += dropsOf(line);
                }
            } catch (IOException | RuntimeException e) {
                // no such table here
            }
        }
        return sum;
    }

    /** The drops of one table line if its local port is ours, else 0. */
    long dropsOf(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 13 || !f[1].contains(":")) {
            return 0;
        }
        String local = f[1];
        if (!local.substring(local.lastIndexOf(':') + 1).equalsIgnoreCase(portHex)) {
            return 0;
        }
        try {
            return Long.parseLong(f[f.length - 1]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
