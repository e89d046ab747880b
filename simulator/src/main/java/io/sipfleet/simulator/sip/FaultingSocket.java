package io.sipfleet.simulator.sip;

import io.sipfleet.faults.Protocol;
import io.sipfleet.faults.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;

/**
 * A TCP connection of the stack with {@link PacketFaults} applied to what the stack writes: one SIP
 * message per flush (JAIN-SIP writes a message, then flushes). Messages from the server are faulted
 * after parsing, by {@link FaultValve}.
 */
final class FaultingSocket extends java.net.Socket {
    private static final System.Logger LOG = System.getLogger(FaultingSocket.class.getName());

    private final PacketFaults faults;
    private volatile InetSocketAddress server;
    private FaultingOutputStream out;

    FaultingSocket(PacketFaults faults) {
        this.faults = faults;
    }

    @Override
    public void connect(java.net.SocketAddress endpoint, int timeout) throws IOException {
        server = (InetSocketAddress) endpoint;
        super.connect(endpoint, timeout);
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (out == null) {
            out = new FaultingOutputStream(super.getOutputStream());
        }
        return out;
    }

    /** Resets the connection: an RST to the server, an error to whoever uses it here. */
    private void reset() {
        try {
            setSoLinger(true, 0);
            close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "reset: " + e);
        }
    }

    private final class FaultingOutputStream extends OutputStream {
        private final OutputStream real;
        private final ByteArrayOutputStream message = new ByteArrayOutputStream(1024);
        /** Until when messages wait behind a delayed one (a stream keeps its order). */
        private long heldUntilMs;

        FaultingOutputStream(OutputStream real) {
            this.real = real;
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
            long now = System.currentTimeMillis();
            PacketFaults.Decision d = server == null ? null
                    : faults.decide(Protocol.TCP, true, server, m, 0, m.length);
            Verdict v = d == null ? Verdict.PASS : d.verdict();
            if (v instanceof Verdict.Drop) {
                return;
            }
            if (v instanceof Verdict.Unreachable || v instanceof Verdict.Reset) {
                if (v instanceof Verdict.Reset) {
                    faults.markReset(); // the phone sees the reset; after unreachable it sees the refused reconnect
                }
                reset();
                throw new SocketException("Connection reset (fault " + faultOf(v) + ")");
            }
            if (v instanceof Verdict.Respond r) {
                byte[] answer = PacketFaults.response(d.message(), r);
                if (answer != null) {
                    faults.arrive(answer, server);
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
                    LOG.log(System.Logger.Level.DEBUG, "delayed message to " + server + ": " + e);
                }
            }, at - now);
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }

    private static String faultOf(Verdict v) {
        return v instanceof Verdict.Unreachable u ? u.fault() : v instanceof Verdict.Reset r ? r.fault() : "?";
    }
}
