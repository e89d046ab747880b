package io.sipfleet.simulator.sip;

import io.sipfleet.faults.Protocol;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/**
 * A TCP connection of the stack with {@link PacketFaults} applied to what the stack writes: one SIP
 * message per flush (JAIN-SIP writes a message, then flushes). Messages from the server are faulted
 * after parsing, by {@link FaultValve}; those the stack gives up on are counted ({@link WatchedSocket}).
 */
final class FaultingSocket extends WatchedSocket {
    private static final System.Logger LOG = System.getLogger(FaultingSocket.class.getName());

    private final PacketFaults faults;
    private volatile InetSocketAddress server;
    private OutputStream out;

    FaultingSocket(PacketFaults faults, String stackName) {
        super(stackName);
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
            out = new FaultingOutputStream(super.getOutputStream(), faults, Protocol.TCP, () -> server,
                    () -> getLocalSocketAddress() instanceof InetSocketAddress a ? a : null, this::reset);
        }
        return out;
    }

    /** Resets the connection: an RST to the server, an error to whoever uses it here. */
    void reset() {
        try {
            setSoLinger(true, 0);
            close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "reset: " + e);
        }
    }

}
