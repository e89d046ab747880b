package io.sipfleet.api.cli;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free SIP ports for run mode, so that a run never collides with a service (or another run) on the same machine: a
 * port {@code p} on an address where UDP and TCP are free on both {@code p} and {@code p + 1} (the TLS port).
 */
final class FreePorts {
    private static final int FIRST = 20_000;
    private static final int LAST = 60_000;
    private static final int ATTEMPTS = 200;

    private FreePorts() {
    }

    /**
     * @throws IllegalStateException when no such port was found (or the address cannot be bound at all)
     */
    static int sipPair(String host) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (IOException e) {
            throw new IllegalStateException("cannot resolve " + host + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < ATTEMPTS; i++) {
            int p = ThreadLocalRandom.current().nextInt(FIRST, LAST);
            if (free(address, p) && free(address, p + 1)) {
                return p;
            }
        }
        throw new IllegalStateException("no free UDP and TCP port pair on " + host + " (tried " + ATTEMPTS + ")");
    }

    private static boolean free(InetAddress address, int port) {
        try (ServerSocket tcp = new ServerSocket()) {
            tcp.setReuseAddress(false);
            tcp.bind(new InetSocketAddress(address, port));
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, port))) {
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }
}
