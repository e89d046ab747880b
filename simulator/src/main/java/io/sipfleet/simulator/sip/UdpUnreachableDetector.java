package io.sipfleet.simulator.sip;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Detects ICMP destination-unreachable for UDP servers (behaviour.md §4.2). JAIN-SIP sends from an
 * unconnected socket, on which Linux never reports ICMP errors; a socket connected to the server
 * does. So beside each SIP send to a UDP server, a 4-byte CRLFCRLF keep-alive (RFC 5626 §3.5.1;
 * Kamailio and JAIN-SIP drop it as a probing packet) goes out of a connected channel to the same
 * address, and an ICMP error coming back makes that channel readable with a
 * {@link PortUnreachableException}: the server's port is closed, within a fraction of a millisecond.
 * A server that answers the sender of every datagram sends its answers to a probe here, where the
 * stack never sees them: they are handed to a callback (the phones count the malformed ones).
 */
final class UdpUnreachableDetector implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UdpUnreachableDetector.class.getName());
    private static final byte[] PROBE = {'\r', '\n', '\r', '\n'};

    private final InetSocketAddress localAddress;
    private final Consumer<InetSocketAddress> onUnreachable;
    private final BiConsumer<InetSocketAddress, byte[]> onAnswer;
    private final Map<InetSocketAddress, DatagramChannel> channels = new ConcurrentHashMap<>();
    private final Selector selector;
    private final Thread thread;
    private volatile boolean running = true;
    /** The closed port {@link #warmUp} probes; its ICMP error is not reported. */
    private volatile InetSocketAddress warmUpTarget;
    private final java.util.concurrent.CountDownLatch warmedUp = new java.util.concurrent.CountDownLatch(1);

    UdpUnreachableDetector(String bindHost, Consumer<InetSocketAddress> onUnreachable) throws IOException {
        this(bindHost, onUnreachable, (server, datagram) -> { });
    }

    /** @param onAnswer a datagram a server sent to a probe's socket (the stack never sees it) */
    UdpUnreachableDetector(String bindHost, Consumer<InetSocketAddress> onUnreachable,
                           BiConsumer<InetSocketAddress, byte[]> onAnswer) throws IOException {
        this.localAddress = new InetSocketAddress(bindHost, 0);
        this.onUnreachable = onUnreachable;
        this.onAnswer = onAnswer;
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "sipfleet-icmp");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Runs the whole path once, against a port of our own just closed, so that the first real server
     * to go down is detected as fast as the later ones (cold, class loading and compilation made the
     * first detection take ~190 ms). Waits for the ICMP error at most {@code timeoutMs}.
     *
     * @return whether the error came back in time
     */
    boolean warmUp(long timeoutMs) {
        try {
            java.net.InetAddress at = localAddress.getAddress().isAnyLocalAddress()
                    ? java.net.InetAddress.getLoopbackAddress() : localAddress.getAddress();
            int port;
            try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, at)) {
                port = s.getLocalPort();
            }
            InetSocketAddress target = new InetSocketAddress(at, port);
            warmUpTarget = target;
            probe(target);
            boolean seen = warmedUp.await(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
            DatagramChannel ch = channels.remove(target);
            if (ch != null) {
                ch.close();
            }
            return seen;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "ICMP detector warm-up: " + e);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void report(InetSocketAddress server) {
        if (server.equals(warmUpTarget)) {
            warmedUp.countDown();
            return;
        }
        onUnreachable.accept(server);
    }

    /** Opens the watch on {@code server} before anything is sent to it (the first send then costs no more than the next). */
    void prepare(InetSocketAddress server) {
        if (!server.isUnresolved()) {
            channels.computeIfAbsent(server, this::open);
        }
    }

    /** Sends a probe to {@code server}; an ICMP error for it is reported through the callback. */
    void probe(InetSocketAddress server) {
        try {
            DatagramChannel ch = channels.computeIfAbsent(server, this::open);
            if (ch != null) {
                ch.write(ByteBuffer.wrap(PROBE));
            }
        } catch (PortUnreachableException e) {
            report(server); // an earlier ICMP error was still pending on the socket
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "probe to " + server + " failed: " + e);
        }
    }

    private DatagramChannel open(InetSocketAddress server) {
        try {
            DatagramChannel ch = DatagramChannel.open();
            ch.bind(localAddress);
            ch.connect(server);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ, server);
            selector.wakeup();
            return ch;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot watch " + server + " for ICMP errors: " + e);
            return null;
        }
    }

    private void loop() {
        ByteBuffer buf = ByteBuffer.allocate(SipStacks.MAX_MESSAGE_SIZE); // as the stack reads a datagram
        while (running) {
            try {
                selector.select(500);
                var it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    DatagramChannel ch = (DatagramChannel) key.channel();
                    InetSocketAddress server = (InetSocketAddress) key.attachment();
                    try {
                        buf.clear();
                        if (ch.read(buf) > 0) { // an answer to a probe: not for the stack
                            buf.flip();
                            byte[] datagram = new byte[buf.remaining()];
                            buf.get(datagram);
                            answered(server, datagram);
                        }
                    } catch (PortUnreachableException e) {
                        report(server);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.DEBUG, "read from " + server + ": " + e);
                    }
                }
            } catch (ClosedChannelException | java.nio.channels.ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (running) {
                    LOG.log(System.Logger.Level.WARNING, "ICMP detector", e);
                }
            }
        }
    }

    private void answered(InetSocketAddress server, byte[] datagram) {
        try {
            onAnswer.accept(server, datagram);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "answer to a probe from " + server, e);
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (DatagramChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
