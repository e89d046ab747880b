package io.sipfleet.simulator.sip;

import io.sipfleet.faults.Protocol;
import io.sipfleet.faults.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.function.Supplier;

/**
 * What the stack writes on a TCP or TLS connection, with {@link PacketFaults} applied per SIP message:
 * JAIN-SIP writes a message, then flushes, so one flush is one message. Over TLS this sits above the
 * encryption (the plaintext message is what is decided on). Dropped; delayed (later messages wait
 * behind it, as on a stream); answered in the server's place ({@code respond}); or the connection is
 * reset ({@code tcp-reset}, {@code unreachable}).
 */
final class FaultingOutputStream extends OutputStream {
    private static final System.Logger LOG = System.getLogger(FaultingOutputStream.class.getName());

    private final OutputStream real;
    private final PacketFaults faults;
    private final Protocol protocol;
    private final Supplier<InetSocketAddress> server;
    private final Runnable reset;
    private final ByteArrayOutputStream message = new ByteArrayOutputStream(1024);
    /** Until when messages wait behind a delayed one (a stream keeps its order). */
    private long heldUntilMs;

    /** This end of the connection, for the trace. */
    private final Supplier<InetSocketAddress> local;

    FaultingOutputStream(OutputStream real, PacketFaults faults, Protocol protocol, Supplier<InetSocketAddress> server,
                         Supplier<InetSocketAddress> local, Runnable reset) {
        this.local = local;
        this.real = real;
        this.faults = faults;
        this.protocol = protocol;
        this.server = server;
        this.reset = reset;
    }

    @Override
    public synchronized void write(int b) {
        message.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        message.write(b, off, len);
    }

    @Override
    public synchronized void flush() throws IOException {
        if (message.size() == 0) {
            real.flush();
            return;
        }
        byte[] m = message.toByteArray();
        message.reset();
        TraceTap tap = TraceTap.of(faults.stackName());
        long atMicros = tap != null && tap.on() ? TraceTap.nowMicros() : 0;
        try {
            send(m);
        } finally {
            if (atMicros != 0) {
                InetSocketAddress to = server.get();
                InetSocketAddress from = local.get();
                tap.sent(m, 0, m.length, atMicros, from == null ? "?" : TraceTap.hostPort(
                        from.getAddress().getHostAddress(), from.getPort()), to == null ? "?" : TraceTap.hostPort(
                        to.getAddress().getHostAddress(), to.getPort()), protocol.name());
            }
        }
    }

    private void send(byte[] m) throws IOException {
        long now = System.currentTimeMillis();
        InetSocketAddress to = server.get();
        PacketFaults.Decision d = to == null ? null : faults.decide(protocol, true, to, m, 0, m.length);
        Verdict v = d == null ? Verdict.PASS : d.verdict();
        if (v instanceof Verdict.Drop) {
            return;
        }
        if (v instanceof Verdict.Unreachable || v instanceof Verdict.Reset) {
            if (v instanceof Verdict.Reset) {
                faults.markReset(); // the phone sees the reset; after unreachable it sees the refused reconnect
            }
            reset.run();
            throw new SocketException("Connection reset (fault " + faultOf(v) + ")");
        }
        if (v instanceof Verdict.Respond r) {
            byte[] answer = PacketFaults.response(d.message(), r);
            if (answer != null) {
                faults.arrive(answer, to);
                return;
            }
        }
        long delay = v instanceof Verdict.Delay dl ? dl.millis() : 0;
        if (delay == 0 && heldUntilMs <= now) {
            real.write(m);
            real.flush();
            return;
        }
        long at = Math.max(now + delay, heldUntilMs);
        heldUntilMs = at;
        faults.schedule(() -> {
            try {
                synchronized (this) {
                    real.write(m);
                    real.flush();
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "delayed message to " + to + ": " + e);
            }
        }, at - now);
    }

    @Override
    public void close() throws IOException {
        real.close();
    }

    private static String faultOf(Verdict v) {
        return v instanceof Verdict.Unreachable u ? u.fault() : v instanceof Verdict.Reset r ? r.fault() : "?";
    }
}
