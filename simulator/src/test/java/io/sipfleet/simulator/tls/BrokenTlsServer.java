package io.sipfleet.simulator.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A loopback TCP server that accepts connections and then breaks TLS in one of several ways, so that
 * a phone's TLS handshake with it fails: what a misconfigured or impostor SIP server looks like.
 */
final class BrokenTlsServer implements AutoCloseable {
    enum Kind {
        /** Accepts and closes at once (FIN): the ClientHello gets no answer. */
        CLOSE,
        /** Accepts and answers the ClientHello with plain text, then closes. */
        GARBAGE,
        /** Accepts and resets the connection (RST). */
        RESET,
        /** A real TLS server, but with a certificate the phones do not trust. */
        UNTRUSTED
    }

    private final Kind kind;
    private final SSLContext untrusted;
    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param untrusted the context of a TLS server the phones do not trust (for {@link Kind#UNTRUSTED})
     */
    BrokenTlsServer(Kind kind, String host, SSLContext untrusted) throws IOException {
        this.kind = kind;
        this.untrusted = untrusted;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
        acceptor = new Thread(this::run, "broken-tls-" + kind);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String host() {
        return server.getInetAddress().getHostAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    private void run() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            Thread t = new Thread(() -> handle(s), "broken-tls-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void handle(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            switch (kind) {
                case CLOSE -> { }
                case GARBAGE -> {
                    s.getInputStream().read(new byte[512]); // the ClientHello
                    OutputStream out = s.getOutputStream();
                    out.write("SIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                case RESET -> s.setSoLinger(true, 0);
                case UNTRUSTED -> {
                    SSLSocket tls = (SSLSocket) untrusted.getSocketFactory().createSocket(s,
                            s.getInetAddress().getHostAddress(), s.getPort(), false);
                    tls.setUseClientMode(false);
                    try (tls) {
                        tls.startHandshake(); // fails: the client rejects the certificate
                        tls.getInputStream().read();
                    } catch (IOException expected) {
                        // the phone's alert
                    }
                }
                default -> throw new IllegalStateException(kind.name());
            }
        } catch (IOException e) {
            // the phone gave up first
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
