package io.sipfleet.simulator.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

/**
 * The relay's one UDP socket, on its listen address: clients and the upstream server both talk to
 * it, and the relay sends both ways from it. One receiving thread; sends from any thread.
 *
 * <p>Unreachable: {@link #closeFor} closes the socket, so that every datagram to the port gets a real
 * ICMP port unreachable from the kernel (every client's: a closed port is closed for all), and
 * opens it again on the same address after the hold.
 */
final class UdpSide {
    private static final System.Logger LOG = System.getLogger(UdpSide.class.getName());
    private static final int RECEIVE_BUFFER = 1 << 20;

    private final FaultRelay relay;
    private final InetSocketAddress address;
    private final Object lock = new Object();
    private final Thread thread;
    private volatile DatagramChannel channel;
    private volatile boolean stopped;

    UdpSide(FaultRelay relay, DatagramChannel bound) throws IOException {
        this.relay = relay;
        this.channel = bound;
        this.address = (InetSocketAddress) bound.getLocalAddress();
        this.thread = new Thread(this::receiveLoop, "sipfleet-relay-udp-" + address.getPort());
        thread.setDaemon(true);
    }

    static DatagramChannel open(InetSocketAddress address) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
            ch.bind(address);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    void start() {
        thread.start();
    }

    boolean isOpen() {
        return channel != null;
    }

    /** Sends one datagram; false when the socket is closed (unreachable, or the relay stopped) or it fails. */
    boolean send(InetSocketAddress to, byte[] bytes) {
        DatagramChannel ch = channel;
        if (ch == null) {
            return false;
        }
        try {
            ch.send(ByteBuffer.wrap(bytes), to);
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "relay UDP send to " + to + " failed: " + e);
            return false;
        }
    }

    /**
     * Closes the port (if open) and opens it again {@code holdMs} later.
     *
     * @return true when this call closed it
     */
    boolean closeFor(long holdMs) {
        synchronized (lock) {
            DatagramChannel ch = channel;
            if (ch == null || stopped) {
                return false;
            }
            channel = null;
            relay.countUnreachable(); // before the port is closed: a client may see it at once
            closeQuietly(ch);
        }
        relay.schedule(this::reopen, holdMs);
        return true;
    }

    private void reopen() {
        synchronized (lock) {
            if (stopped || channel != null) {
                return;
            }
            try {
                channel = open(address);
                lock.notifyAll();
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "relay UDP port " + address + " cannot be opened again ("
                        + e + "): retrying in " + relay.holdMs() + " ms");
            }
        }
        relay.schedule(this::reopen, relay.holdMs());
    }

    void close() {
        synchronized (lock) {
            stopped = true;
            DatagramChannel ch = channel;
            channel = null;
            if (ch != null) {
                closeQuietly(ch);
            }
            lock.notifyAll();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void receiveLoop() {
        ByteBuffer buf = ByteBuffer.allocate(65535);
        while (!stopped) {
            DatagramChannel ch = channel;
            if (ch == null) {
                synchronized (lock) {
                    while (channel == null && !stopped) {
                        try {
                            lock.wait();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
                continue;
            }
            InetSocketAddress from;
            buf.clear();
            try {
                from = (InetSocketAddress) ch.receive(buf);
            } catch (ClosedChannelException closed) {
                continue; // unreachable, or stopping
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "relay UDP receive: " + e);
                continue;
            }
            if (from == null) {
                continue;
            }
            buf.flip();
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            try {
                relay.receivedUdp(from, bytes);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "relay: a UDP packet from " + from + " failed", e);
            }
        }
    }

    private static void closeQuietly(DatagramChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
