package io.sipfleet.simulator.sip;

import gov.nist.core.net.DefaultNetworkLayer;
import gov.nist.core.net.NetworkLayer;
import gov.nist.javax.sip.SipStackImpl;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * JAIN-SIP's network layer with TCP_NODELAY on every TCP socket, made or accepted. Without it, a SIP
 * message written in two segments waits for the peer's delayed ACK (Nagle): ~40 ms a hop on loopback,
 * which a failover timeline measured in milliseconds cannot afford. Loaded by name through
 * {@code gov.nist.javax.sip.NETWORK_LAYER}. On a stack with {@link PacketFaults} (the phones'), it also
 * makes the UDP socket a {@link FaultingDatagramSocket} and outgoing TCP connections
 * {@link FaultingSocket}s, whose connects the faults may refuse or time out. Accepted TCP connections
 * and the phones' outgoing ones count the messages the stack gives them up on ({@link WatchedSocket}).
 */
public final class NoDelayNetworkLayer implements NetworkLayer {
    /** JAIN-SIP's own connect bound (DefaultNetworkLayer): kept, so a faulted connect behaves as a real one. */
    static final int CONNECT_TIMEOUT_MS = 8_000;

    private final NetworkLayer delegate = DefaultNetworkLayer.SINGLETON;
    /** The stack's fault layer (the phones' stack), or null (the built-in servers'). */
    private volatile PacketFaults faults;
    /** The stack's name: connections count what the stack gives up on to its {@link CountingParserFactory.Sink}. */
    private volatile String stackName;

    private static <S extends Socket> S noDelay(S s) throws SocketException {
        s.setTcpNoDelay(true);
        return s;
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
        return new ServerSocket(port, backlog, bindAddress) {
            @Override
            public Socket accept() throws IOException {
                Socket s = new WatchedSocket(stackName);
                implAccept(s);
                return noDelay(s);
            }
        };
    }

    @Override
    public SSLServerSocket createSSLServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
        return delegate.createSSLServerSocket(port, backlog, bindAddress);
    }

    @Override
    public Socket createSocket(InetAddress address, int port) throws IOException {
        return noDelay(delegate.createSocket(address, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
        PacketFaults f = faults;
        if (f == null) {
            return noDelay(delegate.createSocket(address, port, myAddress));
        }
        f.beforeConnect(io.sipfleet.faults.Protocol.TCP, address, port);
        FaultingSocket s = new FaultingSocket(f, stackName);
        try {
            s.setTcpNoDelay(true);
            if (myAddress != null) {
                s.bind(new java.net.InetSocketAddress(myAddress, 0));
            }
            s.connect(new java.net.InetSocketAddress(address, port), CONNECT_TIMEOUT_MS);
            return s;
        } catch (java.net.SocketTimeoutException e) {
            s.close();
            throw new java.net.ConnectException("Socket timeout error (8sec)" + address + ":" + port);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** The stack's fault layer, or null. */
    PacketFaults faults() {
        return faults;
    }

    /** The stack's name (null before the stack set itself). */
    String stackName() {
        return stackName;
    }

    /** A TLS connect about to be made (by the TLS layer): the faults may refuse or time it out. */
    void beforeTlsConnect(InetAddress address, int port) throws IOException {
        PacketFaults f = faults;
        if (f != null) {
            f.beforeConnect(io.sipfleet.faults.Protocol.TLS, address, port);
        }
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress myAddress, int myPort) throws IOException {
        return noDelay(delegate.createSocket(address, port, myAddress, myPort));
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port) throws IOException {
        return noDelay(delegate.createSSLSocket(address, port));
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
        return noDelay(delegate.createSSLSocket(address, port, myAddress));
    }

    @Override
    public DatagramSocket createDatagramSocket() throws SocketException {
        return delegate.createDatagramSocket();
    }

    @Override
    public DatagramSocket createDatagramSocket(int port, InetAddress laddr) throws SocketException {
        PacketFaults f = faults;
        if (f == null || laddr.isMulticastAddress()) {
            return delegate.createDatagramSocket(port, laddr);
        }
        FaultingDatagramSocket s = new FaultingDatagramSocket(port, laddr, f);
        f.udpSocket(s);
        return s;
    }

    @Override
    public void setSipStack(SipStackImpl sipStackImpl) {
        delegate.setSipStack(sipStackImpl);
        stackName = sipStackImpl.getStackName();
        faults = PacketFaults.of(stackName);
    }
}
