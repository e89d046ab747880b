package io.sipfleet.simulator.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipfleet.device.config.ServerConfig;
import io.sipfleet.device.config.Transport;
import io.sipfleet.device.sip.ClientTransactionListener;
import io.sipfleet.device.sip.InboundRequest;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.Purpose;
import io.sipfleet.device.sip.SipEndpoint;
import io.sipfleet.device.sip.SipResponse;
import io.sipfleet.device.sip.TransportFailure;
import io.sipfleet.simulator.builtin.Accounts;
import io.sipfleet.simulator.builtin.BuiltinServerGroup;
import io.sipfleet.simulator.sip.JainSipSignalling;
import io.sipfleet.simulator.sip.TlsMaterial;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The phones' JAIN-SIP adapter over TLS, request by request (behaviour.md §4 item 3): a server that
 * answers over TLS is reached, a refused connect is tcp-refused, and every way a handshake can fail
 * (no answer, garbage, a reset, an untrusted certificate) is tls-failed, each at once.
 */
class TlsSignallingTest {
    private static ExecutorService phoneThread;
    private static JainSipSignalling sip;
    private static BuiltinServerGroup server;
    private static SSLContext untrusted;
    private static long requestIds;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        phoneThread = Executors.newSingleThreadExecutor();
        sip = new JainSipSignalling(new JainSipSignalling.Settings("127.0.0.1", TlsRig.freePortPair("127.0.0.1"), 2,
                1000, "test"), id -> phoneThread);
        server = new BuiltinServerGroup(BuiltinServerGroup.Config.of(List.of(
                new BuiltinServerGroup.Member("primary", "127.0.0.2", TlsRig.freePortPair("127.0.0.2")))),
                Accounts.withRule(u -> "pw" + u));
        untrusted = TlsMaterial.generate(Files.createDirectories(dir.resolve("impostor"))).sslContext();
    }

    @AfterAll
    static void stop() {
        if (sip != null) {
            sip.close();
        }
        if (server != null) {
            server.close();
        }
        phoneThread.shutdownNow();
    }

    /** The outcome of one REGISTER: a status, "timeout" or a transport failure's reason, and when. */
    private record Outcome(String what, long ms) {}

    private Outcome register(String host, int port) throws InterruptedException {
        LinkedBlockingQueue<Outcome> out = new LinkedBlockingQueue<>();
        long start = System.nanoTime();
        ClientTransactionListener l = new ClientTransactionListener() {
            @Override
            public void onResponse(OutboundRequest r, SipResponse s) {
                if (!s.provisional()) {
                    out.add(new Outcome(Integer.toString(s.status()), (System.nanoTime() - start) / 1_000_000));
                }
            }

            @Override
            public void onTimeout(OutboundRequest r) {
                out.add(new Outcome("timeout", (System.nanoTime() - start) / 1_000_000));
            }

            @Override
            public void onTransportError(OutboundRequest r, TransportFailure f) {
                out.add(new Outcome(f.reason(), (System.nanoTime() - start) / 1_000_000));
            }
        };
        SipEndpoint endpoint = new SipEndpoint() {
            @Override public String phoneId() { return "p1"; }
            @Override public void onIncomingInvite(InboundRequest invite) { }
            @Override public void onIncomingCancel(InboundRequest cancel) { }
            @Override public void onIncomingBye(InboundRequest bye) { }
        };
        long id = ++requestIds;
        sip.send(new OutboundRequest(id, "p1", 1, Method.REGISTER, Purpose.REGISTER,
                new ServerConfig(0, host, port, 3600, Transport.TLS), "tls-call-" + id + "@test", 1, "1001", "", host,
                "p1-L1", null, 3600, null, 50, l, endpoint));
        Outcome o = out.poll(10, TimeUnit.SECONDS);
        assertThat(o).as("an outcome for the REGISTER to " + host + ":" + port).isNotNull();
        System.out.printf("[tls] REGISTER to %s:%d over TLS: %s after %d ms%n", host, port, o.what(), o.ms());
        return o;
    }

    @Test
    void aServerOverTlsAnswers() throws Exception {
        var s = server.server("primary");
        assertThat(register(s.host(), s.tlsPort()).what()).isEqualTo("401");
        assertThat(register(s.host(), s.tlsPort()).what()).as("on the cached connection").isEqualTo("401");
    }

    @Test
    void aRefusedTlsConnectIsTcpRefusedAtOnce() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), 0));
            closed = s.getLocalPort();
        }
        Outcome o = register("127.0.0.5", closed);
        assertThat(o.what()).isEqualTo("tcp-refused");
        assertThat(o.ms()).isLessThan(100);
    }

    @Test
    void theUdpAndTcpPortOfAServerIsNoTlsPort() throws Exception {
        var s = server.server("primary");
        // a SIP over TCP listener does not speak TLS: it reads the ClientHello as a bad SIP message
        Outcome o = register(s.host(), s.port());
        assertThat(o.what()).isEqualTo("tls-failed");
    }

    @ParameterizedTest
    @EnumSource(BrokenTlsServer.Kind.class)
    void aFailedHandshakeIsTlsFailedAtOnce(BrokenTlsServer.Kind kind) throws Exception {
        try (BrokenTlsServer broken = new BrokenTlsServer(kind, "127.0.0.6", untrusted)) {
            register(broken.host(), broken.port()); // class loading of the first handshake of its kind
            Outcome o = register(broken.host(), broken.port());
            assertThat(o.what()).isEqualTo("tls-failed");
            assertThat(o.ms()).isLessThan(100);
            assertThat(broken.accepted()).isGreaterThanOrEqualTo(2);
        }
    }
}
