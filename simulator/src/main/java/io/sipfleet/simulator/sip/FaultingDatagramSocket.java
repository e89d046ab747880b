package io.sipfleet.simulator.sip;

import io.sipfleet.faults.Protocol;
import io.sipfleet.faults.Verdict;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The stack's UDP socket with {@link PacketFaults} applied to every datagram, both ways.
 *
 * <p>A datagram that must arrive later (delayed, duplicated, or a response given in the server's
 * place) is queued and the blocked {@link #receive} is woken by a datagram from a private socket of
 * ours; {@code receive} then hands the queued one to the stack, with the server as its source.
 */
final class FaultingDatagramSocket extends DatagramSocket {
    private static final System.Logger LOG = System.getLogger(FaultingDatagramSocket.class.getName());
    private static final byte[] WAKE = {0};

    private final PacketFaults faults;
    private final ConcurrentLinkedQueue<DatagramPacket> arrivals = new ConcurrentLinkedQueue<>();
    private volatile DatagramSocket waker;

    FaultingDatagramSocket(int port, InetAddress laddr, PacketFaults faults) throws SocketException {
        super(port, laddr);
        this.faults = faults;
    }

    // ---- to the server ----------------------------------------------------------------------------

    @Override
    public void send(DatagramPacket p) throws IOException {
        TraceTap tap = TraceTap.of(faults.stackName());
        long atMicros = tap != null && tap.on() ? TraceTap.nowMicros() : 0;
        try {
            sendFaulted(p);
        } finally {
            if (atMicros != 0) {
                WireInstant.mark(System.nanoTime());
                // after the datagram left, so that tracing never delays it; stamped with when it left
                tap.sent(p.getData(), p.getOffset(), p.getLength(), atMicros, hostPort(getLocalSocketAddress()),
                        hostPort(p.getSocketAddress()), "UDP");
            }
        }
    }

    private static String hostPort(java.net.SocketAddress a) {
        return a instanceof InetSocketAddress i ? TraceTap.hostPort(i.getAddress().getHostAddress(), i.getPort())
                : String.valueOf(a);
    }

    private void sendFaulted(DatagramPacket p) throws IOException {
        if (!faults.active() || !(p.getSocketAddress() instanceof InetSocketAddress server)) {
            super.send(p);
            return;
        }
        PacketFaults.Decision d = faults.decide(Protocol.UDP, true, server, p.getData(), p.getOffset(),
                p.getLength());
        if (d == null) {
            super.send(p);
            return;
        }
        Verdict v = d.verdict();
        if (v instanceof Verdict.Drop) {
            return;
        }
        if (v instanceof Verdict.Unreachable) {
            faults.unreachable(server); // what the closed port's ICMP error would make the phones see
            return;
        }
        if (v instanceof Verdict.Respond r) {
            byte[] answer = PacketFaults.response(d.message(), r);
            if (answer == null) {
                super.send(p);
            } else {
                arrive(answer, server, 0);
            }
            return;
        }
        DatagramPacket copy = copy(p);
        if (v instanceof Verdict.Delay delay) {
            faults.schedule(() -> sendQuietly(copy), delay.millis());
            return;
        }
        if (v instanceof Verdict.Duplicate dup) {
            super.send(p);
            for (int i = 1; i <= dup.copies(); i++) {
                faults.schedule(() -> sendQuietly(copy), dup.spacingMillis() * i);
            }
            return;
        }
        super.send(p); // connect-only verdicts (reset, connect timeout) do nothing to a datagram
    }

    private void sendQuietly(DatagramPacket p) {
        try {
            if (!isClosed()) {
                super.send(p);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "delayed datagram to " + p.getSocketAddress() + ": " + e);
        }
    }

    // ---- from the server --------------------------------------------------------------------------

    @Override
    public void receive(DatagramPacket p) throws IOException {
        while (true) {
            super.receive(p);
            DatagramSocket w = waker;
            if (w != null && w.getLocalSocketAddress().equals(p.getSocketAddress())) {
                DatagramPacket a = arrivals.poll();
                if (a != null) {
                    int n = Math.min(a.getLength(), p.getData().length - p.getOffset());
                    System.arraycopy(a.getData(), 0, p.getData(), p.getOffset(), n);
                    p.setLength(n);
                    p.setSocketAddress(a.getSocketAddress());
                    return;
                }
                continue; // a wake-up whose datagram was taken by an earlier one
            }
            if (!faults.active() || !(p.getSocketAddress() instanceof InetSocketAddress server)) {
                return;
            }
            PacketFaults.Decision d;
            try {
                d = faults.decide(Protocol.UDP, false, server, p.getData(), p.getOffset(), p.getLength());
            } catch (RuntimeException e) {
                // the stack's receive loop would drop the datagram unparsed and uncounted: let it through
                LOG.log(System.Logger.Level.WARNING, "fault layer failed on a datagram from " + server
                        + ", passed untouched: " + e);
                return;
            }
            if (d == null) {
                return;
            }
            Verdict v = d.verdict();
            byte[] bytes = Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength());
            if (v instanceof Verdict.Delay delay) {
                arrive(bytes, server, delay.millis());
                continue;
            }
            if (v instanceof Verdict.Duplicate dup) {
                for (int i = 1; i <= dup.copies(); i++) {
                    arrive(bytes, server, dup.spacingMillis() * i);
                }
                return;
            }
            if (v instanceof Verdict.Drop || v instanceof Verdict.Unreachable || v instanceof Verdict.Reset) {
                continue; // never arrives
            }
            return; // respond and connect verdicts mean nothing for a datagram from the server
        }
    }

    /** Hands {@code bytes} to the stack as a datagram from {@code from}, {@code delayMs} from now. */
    void arrive(byte[] bytes, InetSocketAddress from, long delayMs) {
        faults.schedule(() -> {
            try {
                DatagramSocket w = waker();
                arrivals.add(new DatagramPacket(bytes, bytes.length, from));
                w.send(new DatagramPacket(WAKE, WAKE.length, getLocalSocketAddress()));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "cannot deliver a faulted datagram: " + e);
            }
        }, delayMs);
    }

    private synchronized DatagramSocket waker() throws SocketException {
        if (waker == null) {
            SocketAddress local = getLocalSocketAddress();
            InetAddress at = local instanceof InetSocketAddress l && !l.getAddress().isAnyLocalAddress()
                    ? l.getAddress() : InetAddress.getLoopbackAddress();
            waker = new DatagramSocket(0, at);
        }
        return waker;
    }

    private static DatagramPacket copy(DatagramPacket p) {
        byte[] b = Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength());
        return new DatagramPacket(b, b.length, p.getSocketAddress());
    }

    @Override
    public void close() {
        super.close();
        DatagramSocket w = waker;
        if (w != null) {
            w.close();
        }
    }
}
