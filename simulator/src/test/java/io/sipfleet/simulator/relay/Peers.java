package io.sipfleet.simulator.relay;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

/**
 * Test ends for the relay: a UDP peer and a TCP connection that send hand-written SIP text and read
 * what arrives with JAIN-SIP's parser (TCP framed by the relay's own {@link StreamFramer}, which the
 * TCP tests exercise end to end).
 */
final class Peers {
    static final String DOMAIN = "sipfleet.test";

    private Peers() {}

    static SIPMessage parse(byte[] bytes) {
        RelaySip.installLogger();
        try {
            SIPMessage m = new StringMsgParser().parseSIPMessage(bytes, true, false, null);
            if (m == null) {
                throw new AssertionError("not a SIP message: " + new String(bytes, StandardCharsets.UTF_8));
            }
            return m;
        } catch (ParseException e) {
            throw new AssertionError("does not parse: " + new String(bytes, StandardCharsets.UTF_8), e);
        }
    }

    static String branch() {
        return "z9hG4bK" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    static String callId() {
        return UUID.randomUUID() + "@relay-test";
    }

    /** A REGISTER from {@code hostPort} (its Via and Contact) over {@code transport} (UDP or TCP). */
    static String register(String hostPort, String transport, String branch, String callId, int cseq) {
        return "REGISTER sip:" + DOMAIN + " SIP/2.0\r\n"
                + "Via: SIP/2.0/" + transport + " " + hostPort + ";branch=" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:alice@" + DOMAIN + ">;tag=ft" + cseq + "\r\n"
                + "To: <sip:alice@" + DOMAIN + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: " + cseq + " REGISTER\r\n"
                + "Contact: <sip:alice@" + hostPort + ("TCP".equals(transport) ? ";transport=tcp" : "") + ">\r\n"
                + "Expires: 300\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    static String options(String hostPort, String branch, String callId) {
        return "OPTIONS sip:" + DOMAIN + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + hostPort + ";branch=" + branch + "\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:alice@" + DOMAIN + ">;tag=fo\r\n"
                + "To: <sip:" + DOMAIN + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 OPTIONS\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    /** The server's 200 to a request: Vias, From, To (+tag), Call-ID, CSeq copied, the Contacts echoed. */
    static byte[] ok(SIPMessage request) {
        SIPRequest q = (SIPRequest) request;
        var r = q.createResponse(200, "OK");
        try {
            r.getTo().setTag("srv");
        } catch (ParseException e) {
            throw new AssertionError(e);
        }
        if (q.getContactHeaders() != null) {
            r.setHeader((javax.sip.header.Header) q.getContactHeaders().clone());
        }
        return r.encodeAsBytes(r.getTopmostVia().getTransport());
    }

    /** Polls {@code condition} until it holds or the deadline passes. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** What a peer received, and when (System.nanoTime()). */
    record Received(byte[] bytes, InetSocketAddress from, long nanos) {
        SIPMessage message() {
            return parse(bytes);
        }

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** A UDP socket on a loopback address. */
    static final class UdpPeer implements AutoCloseable {
        final DatagramSocket socket;

        UdpPeer(String host) throws IOException {
            this(host, 0);
        }

        UdpPeer(String host, int port) throws IOException {
            this.socket = new DatagramSocket(new InetSocketAddress(host, port));
        }

        String hostPort() {
            return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        void send(InetSocketAddress to, String text) throws IOException {
            send(to, text.getBytes(StandardCharsets.UTF_8));
        }

        void send(InetSocketAddress to, byte[] bytes) throws IOException {
            socket.send(new DatagramPacket(bytes, bytes.length, to));
        }

        Optional<Received> receive(Duration timeout) throws IOException {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
            byte[] bytes = new byte[p.getLength()];
            System.arraycopy(p.getData(), 0, bytes, 0, p.getLength());
            return Optional.of(new Received(bytes, (InetSocketAddress) p.getSocketAddress(), System.nanoTime()));
        }

        Received expect(Duration timeout, String what) throws IOException {
            return receive(timeout).orElseThrow(() -> new AssertionError(hostPort() + " received nothing: " + what));
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** One TCP connection, reading framed messages. */
    static final class TcpEnd implements AutoCloseable {
        final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final StreamFramer framer = new StreamFramer();
        private final Deque<StreamFramer.Frame> frames = new ArrayDeque<>();

        TcpEnd(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        static TcpEnd connect(String fromHost, InetSocketAddress to) throws IOException {
            Socket s = new Socket();
            s.setTcpNoDelay(true); // before connecting: the relay may reset the connection at once
            s.bind(new InetSocketAddress(fromHost, 0));
            s.connect(to, 2000);
            return new TcpEnd(s);
        }

        static TcpEnd accept(ServerSocket server, Duration timeout) throws IOException {
            server.setSoTimeout((int) timeout.toMillis());
            Socket s = server.accept();
            s.setTcpNoDelay(true);
            return new TcpEnd(s);
        }

        String hostPort() {
            return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
        }

        void send(String text) throws IOException {
            send(text.getBytes(StandardCharsets.UTF_8));
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** The next message (keep-alives skipped), or empty at the deadline; throws on EOF or reset. */
        Optional<SIPMessage> receive(Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] buf = new byte[8192];
            while (true) {
                while (!frames.isEmpty()) {
                    StreamFramer.Frame f = frames.poll();
                    if (!f.keepalive()) {
                        return Optional.of(parse(f.bytes()));
                    }
                }
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return Optional.empty();
                }
                socket.setSoTimeout((int) left);
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    return Optional.empty();
                }
                if (n < 0) {
                    throw new java.io.EOFException("closed by the other end");
                }
                try {
                    frames.addAll(framer.feed(ByteBuffer.wrap(buf, 0, n)));
                } catch (ParseException e) {
                    throw new AssertionError("cannot frame what arrived", e);
                }
            }
        }

        SIPMessage expect(Duration timeout, String what) throws IOException {
            return receive(timeout).orElseThrow(() -> new AssertionError(hostPort() + " received nothing: " + what));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
