package io.sipfleet.simulator.builtin;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tiny hand-written SIP peer for tests: text messages over a UDP socket or a TCP connection. */
public final class RawSip {
    private static final AtomicLong SEQ = new AtomicLong();

    private RawSip() {}

    public static String unique(String prefix) {
        return prefix + SEQ.incrementAndGet() + "x" + Long.toHexString(System.nanoTime());
    }

    /** A port free for both UDP and TCP on the given address. */
    public static int freePort(String host) throws IOException {
        for (int i = 0; i < 50; i++) {
            try (DatagramSocket d = new DatagramSocket(new InetSocketAddress(host, 0))) {
                int port = d.getLocalPort();
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(host, port));
                    return port;
                } catch (IOException inUse) {
                    // try another
                }
            }
        }
        throw new IOException("no free port on " + host);
    }

    static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** The Authorization / Proxy-Authorization value answering a challenge. */
    static String digest(Map<String, String> challenge, String user, String password, String method, String uri,
            String qopNcCnonce) throws Exception {
        String realm = challenge.get("realm");
        String nonce = challenge.get("nonce");
        String ha1 = md5(user + ":" + realm + ":" + password);
        String ha2 = md5(method + ":" + uri);
        if (qopNcCnonce == null) {
            String response = md5(ha1 + ":" + nonce + ":" + ha2);
            return "Digest username=\"" + user + "\",realm=\"" + realm + "\",nonce=\"" + nonce + "\",uri=\"" + uri
                    + "\",response=\"" + response + "\",algorithm=MD5";
        }
        String[] p = qopNcCnonce.split(":"); // qop:nc:cnonce
        String response = md5(ha1 + ":" + nonce + ":" + p[1] + ":" + p[2] + ":" + p[0] + ":" + ha2);
        return "Digest username=\"" + user + "\",realm=\"" + realm + "\",nonce=\"" + nonce + "\",uri=\"" + uri
                + "\",response=\"" + response + "\",algorithm=MD5,qop=" + p[0] + ",nc=" + p[1] + ",cnonce=\"" + p[2]
                + "\"";
    }

    /** Parses {@code Digest a="b", c=d} into a map. */
    static Map<String, String> challengeParams(String header) {
        Map<String, String> m = new LinkedHashMap<>();
        if (header == null) {
            return m;
        }
        String s = header.trim();
        if (s.regionMatches(true, 0, "Digest", 0, 6)) {
            s = s.substring(6);
        }
        Matcher x = Pattern.compile("\\s*([A-Za-z-]+)\\s*=\\s*(\"([^\"]*)\"|[^,\\s]*)\\s*,?").matcher(s);
        while (x.find()) {
            m.put(x.group(1).toLowerCase(Locale.ROOT), x.group(3) != null ? x.group(3) : x.group(2));
        }
        return m;
    }

    /** A received (or built) SIP message. */
    public static final class Msg {
        public final String startLine;
        final List<String[]> headers = new ArrayList<>();
        public final String body;
        /** Where a received datagram came from (null otherwise). */
        public java.net.SocketAddress from;

        public Msg(String text) {
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            body = end < 0 ? "" : text.substring(end + 4);
            String[] lines = head.split("\r\n");
            startLine = lines[0];
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c > 0) {
                    headers.add(new String[] {lines[i].substring(0, c).trim(), lines[i].substring(c + 1).trim()});
                }
            }
        }

        public boolean isResponse() {
            return startLine.startsWith("SIP/2.0 ");
        }

        public int status() {
            return isResponse() ? Integer.parseInt(startLine.split(" ")[1]) : -1;
        }

        public String method() {
            return isResponse() ? null : startLine.split(" ")[0];
        }

        public String requestUri() {
            return startLine.split(" ")[1];
        }

        public String cseqMethod() {
            String c = header("CSeq");
            return c == null ? null : c.trim().split("\\s+")[1];
        }

        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        public List<String> all(String name) {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    for (String v : h[1].split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
                        out.add(v.trim());
                    }
                }
            }
            return out;
        }

        /** Every header line as received, in order, for building a response that copies them. */
        public List<String> lines(String name) {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    out.add(h[0] + ": " + h[1]);
                }
            }
            return out;
        }

        /** A response to this request, copying Via, From, To (with a tag), Call-ID, CSeq, Record-Route. */
        public String respond(int status, String reason, String toTag, String... extra) {
            StringBuilder b = new StringBuilder("SIP/2.0 " + status + " " + reason + "\r\n");
            lines("Via").forEach(l -> b.append(l).append("\r\n"));
            lines("Record-Route").forEach(l -> b.append(l).append("\r\n"));
            b.append("From: ").append(header("From")).append("\r\n");
            String to = header("To");
            if (toTag != null && !to.contains(";tag=")) {
                to = to + ";tag=" + toTag;
            }
            b.append("To: ").append(to).append("\r\n");
            b.append("Call-ID: ").append(header("Call-ID")).append("\r\n");
            b.append("CSeq: ").append(header("CSeq")).append("\r\n");
            for (String e : extra) {
                b.append(e).append("\r\n");
            }
            b.append("Content-Length: 0\r\n\r\n");
            return b.toString();
        }

        @Override
        public String toString() {
            return startLine + " " + headers.stream().map(h -> h[0] + "=" + h[1]).toList();
        }
    }

    /** A request builder. */
    public static final class Req {
        private final String method;
        private final String uri;
        private final List<String> lines = new ArrayList<>();
        private String body = "";

        public Req(String method, String uri) {
            this.method = method;
            this.uri = uri;
        }

        public Req h(String name, String value) {
            lines.add(name + ": " + value);
            return this;
        }

        public Req body(String contentType, String b) {
            lines.add("Content-Type: " + contentType);
            body = b;
            return this;
        }

        public String build() {
            StringBuilder s = new StringBuilder(method + " " + uri + " SIP/2.0\r\n");
            lines.forEach(l -> s.append(l).append("\r\n"));
            s.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n\r\n");
            s.append(body);
            return s.toString();
        }
    }

    /** A SIP peer on its own UDP socket at 127.0.0.1 (or another loopback address). */
    public static final class Udp implements AutoCloseable {
        public final DatagramSocket socket;

        public Udp() throws IOException {
            this("127.0.0.1");
        }

        /** On a free port of {@code host}. */
        public Udp(String host) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(host, 0));
        }

        public int port() {
            return socket.getLocalPort();
        }

        public String hostPort() {
            return socket.getLocalAddress().getHostAddress() + ":" + port();
        }

        public String via(String branch) {
            return "SIP/2.0/UDP " + hostPort() + ";branch=" + branch;
        }

        public void send(String text, String host, int port) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            socket.send(new DatagramPacket(b, b.length, InetAddress.getByName(host), port));
        }

        public void sendBytes(byte[] b, String host, int port) throws IOException {
            socket.send(new DatagramPacket(b, b.length, InetAddress.getByName(host), port));
        }

        public void sendBytes(byte[] b, java.net.SocketAddress to) throws IOException {
            socket.send(new DatagramPacket(b, b.length, to));
        }

        /** The next datagram within the time, or null. */
        public Msg receive(long timeoutMs) throws IOException {
            byte[] buf = new byte[65536];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.setSoTimeout((int) Math.max(1, timeoutMs));
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            Msg m = new Msg(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            m.from = p.getSocketAddress();
            return m;
        }

        /** The next message matching, skipping others; fails after the time. */
        public Msg expect(Predicate<Msg> what, long timeoutMs, String description) throws IOException {
            long end = System.nanoTime() + timeoutMs * 1_000_000;
            List<Msg> skipped = new ArrayList<>();
            while (true) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new AssertionError("no " + description + " within " + timeoutMs + " ms; got " + skipped);
                }
                Msg m = receive(left);
                if (m == null) {
                    continue;
                }
                if (what.test(m)) {
                    return m;
                }
                skipped.add(m);
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** A SIP peer on a TCP connection from 127.0.0.1 (or on a connection of one's own, TLS too). */
    public static final class Tcp implements AutoCloseable {
        public final Socket socket;
        public final InputStream in;
        public final OutputStream out;

        public Tcp(String host, int port) throws IOException {
            this(connect("127.0.0.1", host, port));
        }

        /** On a connection made (or accepted) already: a plain or a TLS socket. */
        public Tcp(Socket connected) throws IOException {
            socket = connected;
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        /** A TCP connection from a free port of {@code localHost} to {@code host:port}. */
        public static Socket connect(String localHost, String host, int port) throws IOException {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(localHost, 0));
            s.connect(new InetSocketAddress(host, port), 1000);
            return s;
        }

        /** This end's {@code host:port}. */
        public String hostPort() {
            return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
        }

        public String via(String branch) {
            return "SIP/2.0/TCP " + hostPort() + ";branch=" + branch;
        }

        public void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        public void sendBytes(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        /**
         * Whether the other end closed the connection within the time (end of stream or a reset), skipping
         * what it still sends.
         */
        public boolean closedWithin(long timeoutMs) throws IOException {
            long end = System.nanoTime() + timeoutMs * 1_000_000;
            while (true) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) left);
                try {
                    if (in.read() < 0) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (IOException e) {
                    return true; // reset
                }
            }
        }

        /** The next message within the time, or null. */
        public Msg receive(long timeoutMs) throws IOException {
            socket.setSoTimeout((int) Math.max(1, timeoutMs));
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            try {
                int state = 0;
                while (state < 4) {
                    int c = in.read();
                    if (c < 0) {
                        return null;
                    }
                    if (head.size() == 0 && (c == '\r' || c == '\n')) {
                        continue; // keep-alive CRLFs
                    }
                    head.write(c);
                    state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                            ? state + 1 : c == '\r' ? 1 : 0;
                }
                Msg h = new Msg(head.toString(StandardCharsets.UTF_8));
                String cl = h.header("Content-Length");
                int n = cl == null ? 0 : Integer.parseInt(cl.trim());
                byte[] body = in.readNBytes(n);
                return new Msg(head.toString(StandardCharsets.UTF_8) + new String(body, StandardCharsets.UTF_8));
            } catch (SocketTimeoutException e) {
                return null;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
