package io.sipfleet.simulator.sip;

import io.sipfleet.faults.Protocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A TLS connection of the stack with {@link PacketFaults} applied to the plaintext SIP messages it
 * writes ({@link FaultingOutputStream}, above the encryption), when it has faults (the phones' outgoing
 * connections), and whose plaintext input is a {@link StreamWatch}: a message the stack gives the
 * connection up on is counted as malformed (transport {@code tls}, the connection's remote end).
 * Everything else is the JDK's TLS socket, to which every method delegates.
 */
final class FaultingSslSocket extends SSLSocket {
    private static final System.Logger LOG = System.getLogger(FaultingSslSocket.class.getName());

    private final SSLSocket d;
    private final PacketFaults faults;
    private final String stackName;
    private OutputStream out;
    private InputStream in;

    /**
     * @param faults    applied to what the stack writes; null: nothing is faulted
     * @param stackName whose {@link CountingParserFactory.Sink} counts what the stack gives up on
     */
    FaultingSslSocket(SSLSocket delegate, PacketFaults faults, String stackName) {
        this.d = delegate;
        this.faults = faults;
        this.stackName = stackName;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (out == null) {
            out = faults == null ? d.getOutputStream() : new FaultingOutputStream(d.getOutputStream(), faults,
                    Protocol.TLS, () -> d.getRemoteSocketAddress() instanceof InetSocketAddress a ? a : null,
                    () -> d.getLocalSocketAddress() instanceof InetSocketAddress a ? a : null, this::reset);
        }
        return out;
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new StreamWatch(d.getInputStream(), () -> {
                CountingParserFactory.Sink sink = CountingParserFactory.sinkOf(stackName);
                if (sink != null && d.getInetAddress() != null) {
                    sink.malformed("tls", CountingParserFactory.hostPort(d.getInetAddress(), d.getPort()));
                }
            });
        }
        return in;
    }

    private void reset() {
        try {
            d.setSoLinger(true, 0);
            d.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "reset: " + e);
        }
    }

    // ---- SSLSocket ----------------------------------------------------------------------------------
    @Override public String[] getSupportedCipherSuites() { return d.getSupportedCipherSuites(); }
    @Override public String[] getEnabledCipherSuites() { return d.getEnabledCipherSuites(); }
    @Override public void setEnabledCipherSuites(String[] suites) { d.setEnabledCipherSuites(suites); }
    @Override public String[] getSupportedProtocols() { return d.getSupportedProtocols(); }
    @Override public String[] getEnabledProtocols() { return d.getEnabledProtocols(); }
    @Override public void setEnabledProtocols(String[] protocols) { d.setEnabledProtocols(protocols); }
    @Override public SSLSession getSession() { return d.getSession(); }
    @Override public SSLSession getHandshakeSession() { return d.getHandshakeSession(); }
    @Override public void addHandshakeCompletedListener(HandshakeCompletedListener l) { d.addHandshakeCompletedListener(l); }
    @Override public void removeHandshakeCompletedListener(HandshakeCompletedListener l) { d.removeHandshakeCompletedListener(l); }
    @Override public void startHandshake() throws IOException { d.startHandshake(); }
    @Override public void setUseClientMode(boolean mode) { d.setUseClientMode(mode); }
    @Override public boolean getUseClientMode() { return d.getUseClientMode(); }
    @Override public void setNeedClientAuth(boolean need) { d.setNeedClientAuth(need); }
    @Override public boolean getNeedClientAuth() { return d.getNeedClientAuth(); }
    @Override public void setWantClientAuth(boolean want) { d.setWantClientAuth(want); }
    @Override public boolean getWantClientAuth() { return d.getWantClientAuth(); }
    @Override public void setEnableSessionCreation(boolean flag) { d.setEnableSessionCreation(flag); }
    @Override public boolean getEnableSessionCreation() { return d.getEnableSessionCreation(); }
    @Override public SSLParameters getSSLParameters() { return d.getSSLParameters(); }
    @Override public void setSSLParameters(SSLParameters params) { d.setSSLParameters(params); }
    @Override public String getApplicationProtocol() { return d.getApplicationProtocol(); }
    @Override public String getHandshakeApplicationProtocol() { return d.getHandshakeApplicationProtocol(); }
    @Override public void setHandshakeApplicationProtocolSelector(BiFunction<SSLSocket, List<String>, String> s) {
        d.setHandshakeApplicationProtocolSelector(s);
    }
    @Override public BiFunction<SSLSocket, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return d.getHandshakeApplicationProtocolSelector();
    }

    // ---- Socket -------------------------------------------------------------------------------------
    @Override public void connect(SocketAddress endpoint) throws IOException { d.connect(endpoint); }
    @Override public void connect(SocketAddress endpoint, int timeout) throws IOException { d.connect(endpoint, timeout); }
    @Override public void bind(SocketAddress bindpoint) throws IOException { d.bind(bindpoint); }
    @Override public InetAddress getInetAddress() { return d.getInetAddress(); }
    @Override public InetAddress getLocalAddress() { return d.getLocalAddress(); }
    @Override public int getPort() { return d.getPort(); }
    @Override public int getLocalPort() { return d.getLocalPort(); }
    @Override public SocketAddress getRemoteSocketAddress() { return d.getRemoteSocketAddress(); }
    @Override public SocketAddress getLocalSocketAddress() { return d.getLocalSocketAddress(); }
    @Override public SocketChannel getChannel() { return d.getChannel(); }
    @Override public void setTcpNoDelay(boolean on) throws SocketException { d.setTcpNoDelay(on); }
    @Override public boolean getTcpNoDelay() throws SocketException { return d.getTcpNoDelay(); }
    @Override public void setSoLinger(boolean on, int linger) throws SocketException { d.setSoLinger(on, linger); }
    @Override public int getSoLinger() throws SocketException { return d.getSoLinger(); }
    @Override public void sendUrgentData(int data) throws IOException { d.sendUrgentData(data); }
    @Override public void setOOBInline(boolean on) throws SocketException { d.setOOBInline(on); }
    @Override public boolean getOOBInline() throws SocketException { return d.getOOBInline(); }
    @Override public void setSoTimeout(int timeout) throws SocketException { d.setSoTimeout(timeout); }
    @Override public int getSoTimeout() throws SocketException { return d.getSoTimeout(); }
    @Override public void setSendBufferSize(int size) throws SocketException { d.setSendBufferSize(size); }
    @Override public int getSendBufferSize() throws SocketException { return d.getSendBufferSize(); }
    @Override public void setReceiveBufferSize(int size) throws SocketException { d.setReceiveBufferSize(size); }
    @Override public int getReceiveBufferSize() throws SocketException { return d.getReceiveBufferSize(); }
    @Override public void setKeepAlive(boolean on) throws SocketException { d.setKeepAlive(on); }
    @Override public boolean getKeepAlive() throws SocketException { return d.getKeepAlive(); }
    @Override public void setTrafficClass(int tc) throws SocketException { d.setTrafficClass(tc); }
    @Override public int getTrafficClass() throws SocketException { return d.getTrafficClass(); }
    @Override public void setReuseAddress(boolean on) throws SocketException { d.setReuseAddress(on); }
    @Override public boolean getReuseAddress() throws SocketException { return d.getReuseAddress(); }
    @Override public void close() throws IOException { d.close(); }
    @Override public void shutdownInput() throws IOException { d.shutdownInput(); }
    @Override public void shutdownOutput() throws IOException { d.shutdownOutput(); }
    @Override public String toString() { return "Faulting" + d; }
    @Override public boolean isConnected() { return d.isConnected(); }
    @Override public boolean isBound() { return d.isBound(); }
    @Override public boolean isClosed() { return d.isClosed(); }
    @Override public boolean isInputShutdown() { return d.isInputShutdown(); }
    @Override public boolean isOutputShutdown() { return d.isOutputShutdown(); }
    @Override public void setPerformancePreferences(int c, int l, int b) { d.setPerformancePreferences(c, l, b); }
    @Override public <T> java.net.Socket setOption(SocketOption<T> name, T value) throws IOException {
        d.setOption(name, value);
        return this;
    }
    @Override public <T> T getOption(SocketOption<T> name) throws IOException { return d.getOption(name); }
    @Override public Set<SocketOption<?>> supportedOptions() { return d.supportedOptions(); }
}
