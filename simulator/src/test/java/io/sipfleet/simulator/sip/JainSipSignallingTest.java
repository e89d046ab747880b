package io.sipfleet.simulator.sip;

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
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The phones' JAIN-SIP adapter on the real loopback wire: failures of §4 detected as the firmware must. */
class JainSipSignallingTest {
    private ExecutorService phoneThread;
    private JainSipSignalling sip;
    private final List<String> results = new CopyOnWriteArrayList<>();
    private long requestIds;

    @BeforeEach
    void start() throws Exception {
        phoneThread = Executors.newSingleThreadExecutor();
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        sip = new JainSipSignalling(new JainSipSignalling.Settings("127.0.0.1", port, 2, 1000, "test"),
                id -> phoneThread);
    }

    @AfterEach
    void stop() {
        sip.close();
        phoneThread.shutdownNow();
    }

    private final SipEndpoint endpoint = new SipEndpoint() {
        @Override public String phoneId() { return "p1"; }
        @Override public void onIncomingInvite(InboundRequest invite) { }
        @Override public void onIncomingCancel(InboundRequest cancel) { }
        @Override public void onIncomingBye(InboundRequest bye) { }
    };

    private OutboundRequest register(String host, int port, Transport t) {
        long start = System.nanoTime();
        ClientTransactionListener l = new ClientTransactionListener() {
            @Override
            public void onResponse(OutboundRequest r, SipResponse s) {
                results.add(host + " " + s.status() + " " + (System.nanoTime() - start) / 1_000_000);
            }

            @Override
            public void onTimeout(OutboundRequest r) {
                results.add(host + " timeout " + (System.nanoTime() - start) / 1_000_000);
            }

            @Override
            public void onTransportError(OutboundRequest r, TransportFailure f) {
                results.add(host + " " + f.reason() + " " + (System.nanoTime() - start) / 1_000_000);
            }
        };
        return new OutboundRequest(++requestIds, "p1", 1, Method.REGISTER, Purpose.REGISTER,
                new ServerConfig(0, host, port, 3600, t), "call-" + requestIds + "@test", 1, "1001", "", host,
                "p1-L1", null, 3600, null, 50, l, endpoint);
    }

    private static int closedUdpPort(String host) throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    private void awaitResults(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (results.size() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    void aClosedUdpPortIsReportedAsIcmpUnreachableWithin100Ms() throws Exception {
        sip.send(register("127.0.0.9", closedUdpPort("127.0.0.9"), Transport.UDP));
        awaitResults(1);
        sip.send(register("127.0.0.10", closedUdpPort("127.0.0.10"), Transport.UDP));
        awaitResults(2);
        sip.send(register("127.0.0.9", closedUdpPort("127.0.0.9"), Transport.UDP));
        awaitResults(3);

        assertThat(results).hasSize(3);
        for (String r : results) {
            String[] f = r.split(" ");
            assertThat(f[1]).as(r).isEqualTo("icmp-unreachable");
            assertThat(Long.parseLong(f[2])).as(r).isLessThan(100);
        }
    }

    @Test
    void concurrentSendsToClosedUdpPortsAreEachReportedWithin100Ms() throws Exception {
        int p1 = closedUdpPort("127.0.0.9");
        int p2 = closedUdpPort("127.0.0.10");
        for (int i = 0; i < 8; i++) {
            sip.send(register(i % 2 == 0 ? "127.0.0.9" : "127.0.0.10", i % 2 == 0 ? p1 : p2, Transport.UDP));
        }
        awaitResults(8);
        assertThat(results).hasSize(8);
        assertThat(results).allSatisfy(r -> {
            String[] f = r.split(" ");
            assertThat(f[1]).as(r).isEqualTo("icmp-unreachable");
            assertThat(Long.parseLong(f[2])).as(r).isLessThan(100);
        });
    }

    @Test
    void aClosedTcpPortIsReportedAsRefusedAtOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.9"))) {
            port = s.getLocalPort();
        }
        sip.send(register("127.0.0.9", port, Transport.TCP));
        awaitResults(1);
        assertThat(results).hasSize(1);
        String[] f = results.get(0).split(" ");
        assertThat(f[1]).isEqualTo("tcp-refused");
        assertThat(Long.parseLong(f[2])).isLessThan(100);
    }

    /**
     * A server that answers with garbage: every malformed message is counted and dropped, and the
     * well-formed answer that follows still reaches the phone.
     */
    @Test
    void malformedMessagesFromAServerAreCountedAndDroppedAndTheRealAnswerStillArrives() throws Exception {
        try (DatagramSocket server = new DatagramSocket(0, InetAddress.getByName("127.0.0.9"))) {
            server.setSoTimeout(2_000);
            sip.send(register("127.0.0.9", server.getLocalPort(), Transport.UDP));
            java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[8192], 8192);
            server.receive(in);
            String request = new String(in.getData(), 0, in.getLength(), java.nio.charset.StandardCharsets.UTF_8);
            StringBuilder dialog = new StringBuilder();
            String cseq = null;
            for (String line : request.split("\r\n")) {
                String name = line.contains(":") ? line.substring(0, line.indexOf(':')).trim() : "";
                if (List.of("Via", "From", "To", "Call-ID").contains(name)) {
                    dialog.append(line).append("\r\n");
                } else if ("CSeq".equals(name)) {
                    cseq = line + "\r\n";
                }
            }
            assertThat(cseq).as("the REGISTER's CSeq").isNotNull();
            java.util.Random random = new java.util.Random(42);
            byte[] noise = new byte[300];
            random.nextBytes(noise);
            List<byte[]> garbage = List.of(
                    noise,
                    "SIP/2.0 200 OK\r\nthis is not a header\r\n\r\n".getBytes(),
                    ("SIP/2.0 200 OK\r\n" + dialog + "Content-Length: 0\r\n\r\n").getBytes(), // no CSeq
                    ("SIP/2.0 2OO OK\r\n" + dialog + cseq + "Content-Length: 0\r\n\r\n").getBytes());
            for (int i = 0; i < garbage.size(); i++) {
                byte[] g = garbage.get(i);
                server.send(new java.net.DatagramPacket(g, g.length, in.getSocketAddress()));
                long deadline = System.currentTimeMillis() + 1_000;
                while (sip.malformedCount() < i + 1 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(2);
                }
                assertThat(sip.malformedCount()).as("counted after garbage #%d", i).isEqualTo(i + 1);
            }
            assertThat(results).isEmpty();

            byte[] ok = ("SIP/2.0 200 OK\r\n" + dialog + cseq + "Content-Length: 0\r\n\r\n").getBytes();
            server.send(new java.net.DatagramPacket(ok, ok.length, in.getSocketAddress()));
            awaitResults(1);
            assertThat(results).hasSize(1);
            assertThat(results.get(0).split(" ")[1]).isEqualTo("200");
        }
    }
}
