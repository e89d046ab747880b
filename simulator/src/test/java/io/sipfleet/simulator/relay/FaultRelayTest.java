package io.sipfleet.simulator.relay;

import static io.sipfleet.simulator.relay.Peers.await;
import static io.sipfleet.simulator.relay.Peers.branch;
import static io.sipfleet.simulator.relay.Peers.callId;
import static io.sipfleet.simulator.relay.Peers.register;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gov.nist.javax.sip.address.SipUri;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.PacketPolicy;
import io.sipfleet.faults.Protocol;
import io.sipfleet.faults.Verdict;
import io.sipfleet.simulator.relay.Peers.Received;
import io.sipfleet.simulator.relay.Peers.TcpEnd;
import io.sipfleet.simulator.relay.Peers.UdpPeer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import javax.sip.address.SipURI;
import javax.sip.header.ContactHeader;
import javax.sip.header.RetryAfterHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay on loopback between a fake client and a fake server (plain sockets, hand-written SIP,
 * read back with JAIN-SIP's parser): forwarding and rewriting both ways, every verdict, UDP and TCP.
 */
class FaultRelayTest {
    private static final String RELAY_HOST = "127.0.0.1";
    private static final String CLIENT_HOST = "127.0.0.1";
    private static final String SERVER_HOST = "127.0.0.4";
    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final Duration QUIET = Duration.ofMillis(300);

    private final AtomicReference<PacketPolicy> current = new AtomicReference<>(PacketPolicy.NONE);
    private final List<Packet> seen = new CopyOnWriteArrayList<>();
    private UdpPeer server;
    private ServerSocket tcpServer;
    private UdpPeer client;
    private FaultRelay relay;

    @BeforeEach
    void start() throws IOException {
        // the fake server: UDP and TCP on one port
        for (int attempt = 0; server == null; attempt++) {
            ServerSocket tcp = new ServerSocket();
            tcp.bind(new InetSocketAddress(SERVER_HOST, 0));
            try {
                server = new UdpPeer(SERVER_HOST, tcp.getLocalPort());
                tcpServer = tcp;
            } catch (SocketException taken) {
                tcp.close();
                if (attempt > 20) {
                    throw taken;
                }
            }
        }
        client = new UdpPeer(CLIENT_HOST);
        PacketPolicy recording = (p, now) -> {
            seen.add(p);
            return current.get().decide(p, now);
        };
        relay = FaultRelay.start(FaultRelay.Settings.of(RELAY_HOST, 0, SERVER_HOST, server.socket.getLocalPort())
                .withUnreachableHold(Duration.ofMillis(400)).withConnectTimeout(Duration.ofMillis(400)),
                recording, System::currentTimeMillis);
    }

    @AfterEach
    void stop() throws IOException {
        if (relay != null) {
            relay.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (tcpServer != null) {
            tcpServer.close();
        }
    }

    private InetSocketAddress relayAddress() {
        return relay.listenAddress();
    }

    private String relayHostPort() {
        return RELAY_HOST + ":" + relay.port();
    }

    /** Only packets of this kind going this way get {@code verdict}; everything else passes. */
    private void policy(Packet.Flow flow, String method, Verdict verdict) {
        current.set((p, now) -> p.flow() == flow && (method == null || method.equals(p.method())) ? verdict
                : Verdict.PASS);
    }

    // ------------------------------------------------------------------ the wire tap

    @Test
    void theTapSeesEachMessageAsItArrivedAndATapThatThrowsNeverStopsOne() throws Exception {
        relay.close();
        List<WireMessage> tapped = new CopyOnWriteArrayList<>();
        relay = FaultRelay.start(FaultRelay.Settings.of(RELAY_HOST, 0, SERVER_HOST, server.socket.getLocalPort()),
                PacketPolicy.NONE, System::currentTimeMillis, m -> {
                    tapped.add(m);
                    throw new IllegalStateException("a broken observer");
                });
        String b = branch();
        String id = callId();
        client.send(relayAddress(), register(client.hostPort(), "UDP", b, id, 1));
        SIPRequest reg = (SIPRequest) server.expect(WAIT, "the REGISTER in spite of the tap").message();
        server.send(relayAddress(), Peers.ok(reg));
        assertThat(((SIPResponse) client.expect(WAIT, "the 200").message()).getStatusCode()).isEqualTo(200);
        assertThat(relay.tapErrors()).isEqualTo(2);
        assertThat(tapped).hasSize(2);
        WireMessage sent = tapped.get(0);
        assertThat(sent.fromClient()).isTrue();
        assertThat(sent.method()).isEqualTo("REGISTER");
        assertThat(sent.client()).isEqualTo(client.hostPort());
        assertThat(sent.callId()).isEqualTo(id);
        assertThat(sent.toAor()).as("the AOR as the client wrote it, before the relay rewrote anything")
                .isEqualTo(WireMessage.aor(reg.getTo().getAddress().getURI()));
        WireMessage answer = tapped.get(1);
        assertThat(answer.fromClient()).isFalse();
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.delivered()).isTrue();
    }

    // ------------------------------------------------------------------ UDP

    @Test
    void aRegisterGoesThroughRewrittenAndItsResponseComesBack() throws IOException {
        String b = branch();
        String id = callId();
        client.send(relayAddress(), register(client.hostPort(), "UDP", b, id, 1));

        Received atServer = server.expect(WAIT, "the REGISTER");
        SIPRequest reg = (SIPRequest) atServer.message();
        assertThat(atServer.from()).isEqualTo(relayAddress());
        assertThat(reg.getRequestURI().toString()).isEqualTo("sip:" + Peers.DOMAIN);
        assertThat(reg.getViaHeaders()).hasSize(2);
        Via top = reg.getTopmostVia();
        assertThat(top.getHost() + ":" + top.getPort()).isEqualTo(relayHostPort());
        assertThat(top.getTransport()).isEqualToIgnoringCase("UDP");
        assertThat(top.getBranch()).startsWith("z9hG4bK").isNotEqualTo(b);
        assertThat(((Via) reg.getViaHeaders().get(1)).getBranch()).isEqualTo(b);
        assertThat(reg.getMaxForwards().getMaxForwards()).isEqualTo(69);
        SipUri contact = (SipUri) reg.getContactHeader().getAddress().getURI();
        assertThat(contact.getUser()).isEqualTo("alice");
        assertThat(contact.getHost() + ":" + contact.getPort()).isEqualTo(relayHostPort());
        assertThat(contact.getParameter(RelaySip.P_CLIENT)).isEqualTo("u.127.0.0.1-" + client.socket.getLocalPort());
        assertThat(reg.getRecordRouteHeaders()).isNull();

        // a retransmission gets the same relay branch (a stateless proxy's rule)
        client.send(relayAddress(), register(client.hostPort(), "UDP", b, id, 1));
        assertThat(((SIPRequest) server.expect(WAIT, "the retransmission").message()).getTopmostVia().getBranch())
                .isEqualTo(top.getBranch());

        // the server answers to the top Via (the relay); the client gets it without the relay's Via
        server.send(relayAddress(), Peers.ok(reg));
        SIPMessage ok = client.expect(WAIT, "the 200").message();
        assertThat(((SIPResponse) ok).getStatusCode()).isEqualTo(200);
        assertThat(ok.getCallId().getCallId()).isEqualTo(id);
        assertThat(ok.getViaHeaders()).hasSize(1);
        assertThat(ok.getTopmostVia().getBranch()).isEqualTo(b);
        SipUri restored = (SipUri) ok.getContactHeader().getAddress().getURI();
        assertThat(restored.toString()).isEqualTo("sip:alice@" + client.hostPort());

        assertThat(seen).filteredOn(p -> p.flow() == Packet.Flow.TO_SERVER).first().satisfies(p -> {
            assertThat(p.protocol()).isEqualTo(Protocol.UDP);
            assertThat(p.kind()).isEqualTo(Packet.Kind.MESSAGE);
            assertThat(p.method()).isEqualTo("REGISTER");
            assertThat(p.phoneId()).isEqualTo(client.hostPort());
            assertThat(p.server()).isEqualTo(SERVER_HOST + ":" + server.socket.getLocalPort());
            assertThat(p.fleet()).isNull();
        });
        assertThat(seen).filteredOn(p -> p.flow() == Packet.Flow.FROM_SERVER).singleElement().satisfies(p -> {
            assertThat(p.status()).isEqualTo(200);
            assertThat(p.method()).isEqualTo("REGISTER");
            assertThat(p.phoneId()).isEqualTo(client.hostPort());
        });
        await("counters", WAIT, () -> relay.counters().toClient() == 1);
        FaultRelay.Counters c = relay.counters();
        assertThat(c.toServer()).isEqualTo(2);
        assertThat(c.clients()).isEqualTo(1);
        assertThat(c.dropped() + c.malformed() + c.unroutable()).isZero();
    }

    @Test
    void dropForwardsNothing() throws IOException {
        policy(Packet.Flow.TO_SERVER, "REGISTER", new Verdict.Drop("blackhole"));
        client.send(relayAddress(), register(client.hostPort(), "UDP", branch(), callId(), 1));
        await("the drop counted", WAIT, () -> relay.counters().dropped() == 1);
        // the next thing the server gets is the OPTIONS sent after the REGISTER
        String marker = callId();
        client.send(relayAddress(), Peers.options(client.hostPort(), branch(), marker));
        SIPMessage first = server.expect(WAIT, "the OPTIONS").message();
        assertThat(first.getCallId().getCallId()).isEqualTo(marker);
        assertThat(relay.counters().toServer()).isEqualTo(1);
    }

    @Test
    void delayForwardsLater() throws IOException {
        policy(Packet.Flow.TO_SERVER, "REGISTER", new Verdict.Delay("slow", 300));
        long sent = System.nanoTime();
        client.send(relayAddress(), register(client.hostPort(), "UDP", branch(), callId(), 1));
        Received r = server.expect(WAIT, "the delayed REGISTER");
        assertThat((r.nanos() - sent) / 1_000_000).isGreaterThanOrEqualTo(300);
        assertThat(relay.counters().delayed()).isEqualTo(1);
    }

    @Test
    void delayedPacketsAreOvertaken() throws IOException {
        policy(Packet.Flow.TO_SERVER, "REGISTER", new Verdict.Delay("slow", 300));
        String reg = callId();
        String opt = callId();
        client.send(relayAddress(), register(client.hostPort(), "UDP", branch(), reg, 1));
        client.send(relayAddress(), Peers.options(client.hostPort(), branch(), opt));
        assertThat(server.expect(WAIT, "first").message().getCallId().getCallId()).isEqualTo(opt);
        assertThat(server.expect(WAIT, "second").message().getCallId().getCallId()).isEqualTo(reg);
    }

    @Test
    void duplicateArrivesOnePlusCopiesTimes() throws IOException {
        policy(Packet.Flow.TO_SERVER, "REGISTER", new Verdict.Duplicate("dup", 2, 50));
        String id = callId();
        long sent = System.nanoTime();
        client.send(relayAddress(), register(client.hostPort(), "UDP", branch(), id, 1));
        Received first = server.expect(WAIT, "the original");
        Received second = server.expect(WAIT, "copy 1");
        Received third = server.expect(WAIT, "copy 2");
        for (Received r : List.of(first, second, third)) {
            assertThat(r.message().getCallId().getCallId()).isEqualTo(id);
            assertThat(r.text()).isEqualTo(first.text());
        }
        assertThat((third.nanos() - sent) / 1_000_000).isGreaterThanOrEqualTo(100);
        assertThat(server.receive(QUIET)).as("no fourth copy").isEmpty();
        assertThat(relay.counters().duplicated()).isEqualTo(2);
        assertThat(relay.counters().toServer()).isEqualTo(3);
    }

    @Test
    void respondAnswersTheClientInTheServersPlace() throws IOException {
        policy(Packet.Flow.TO_SERVER, "REGISTER", new Verdict.Respond("busy", 503, "Service Unavailable", 30));
        String b = branch();
        String id = callId();
        client.send(relayAddress(), register(client.hostPort(), "UDP", b, id, 7));
        Received r = client.expect(WAIT, "the relay's 503");
        assertThat(r.from()).isEqualTo(relayAddress());
        SIPResponse resp = (SIPResponse) r.message();
        assertThat(resp.getStatusCode()).isEqualTo(503);
        assertThat(resp.getReasonPhrase()).isEqualTo("Service Unavailable");
        assertThat(resp.getCallId().getCallId()).isEqualTo(id);
        assertThat(resp.getCSeq().getSeqNumber()).isEqualTo(7);
        assertThat(resp.getCSeq().getMethod()).isEqualTo("REGISTER");
        assertThat(resp.getViaHeaders()).hasSize(1);
        assertThat(resp.getTopmostVia().getBranch()).isEqualTo(b);
        assertThat(resp.getFrom().getTag()).isEqualTo("ft7");
        assertThat(resp.getTo().getTag()).isNotBlank();
        assertThat(((RetryAfterHeader) resp.getHeader(RetryAfterHeader.NAME)).getRetryAfter()).isEqualTo(30);
        assertThat(resp.getContentLength().getContentLength()).isZero();
        assertThat(resp.getContactHeader()).isNull();

        String marker = callId();
        client.send(relayAddress(), Peers.options(client.hostPort(), branch(), marker));
        assertThat(server.expect(WAIT, "the OPTIONS").message().getCallId().getCallId())
                .as("the server got nothing before the OPTIONS").isEqualTo(marker);
        assertThat(relay.counters().answered()).isEqualTo(1);
    }

    @Test
    void unreachableOnUdpClosesThePortSoTheClientGetsRealIcmpThenItOpensAgain() throws Exception {
        policy(Packet.Flow.TO_SERVER, null, new Verdict.Unreachable("down"));
        try (DatagramChannel phone = DatagramChannel.open()) {
            phone.bind(new InetSocketAddress(CLIENT_HOST, 0));
            phone.connect(relayAddress());
            String hp = CLIENT_HOST + ":" + ((InetSocketAddress) phone.getLocalAddress()).getPort();
            ByteBuffer reg = ByteBuffer.wrap(register(hp, "UDP", branch(), callId(), 1).getBytes(StandardCharsets.UTF_8));
            phone.write(reg.duplicate());
            await("the port closed", WAIT, () -> !relay.udpOpen());
            // a retransmission meets the closed port: the kernel's ICMP port unreachable (polled without
            // blocking; sent only while the port is closed, so that no packet of ours is decided again)
            phone.configureBlocking(false);
            boolean icmp = false;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!icmp && System.nanoTime() < deadline) {
                try {
                    if (!relay.udpOpen()) {
                        phone.write(reg.duplicate());
                    }
                    Thread.sleep(5);
                    phone.read(ByteBuffer.allocate(2048));
                } catch (PortUnreachableException e) {
                    icmp = true;
                }
            }
            assertThat(icmp).as("PortUnreachableException on the connected channel").isTrue();
            assertThat(relay.counters().unreachable()).isGreaterThanOrEqualTo(1);

            // after the hold the port is open again; the next packet is decided afresh (now: pass)
            current.set(PacketPolicy.NONE);
            await("the port open again", WAIT, relay::udpOpen);
            String id = callId();
            phone.write(ByteBuffer.wrap(register(hp, "UDP", branch(), id, 2).getBytes(StandardCharsets.UTF_8)));
            assertThat(server.expect(WAIT, "the REGISTER after the hold").message().getCallId().getCallId())
                    .isEqualTo(id);
        }
    }

    @Test
    void aServerInitiatedInviteToTheRewrittenContactReachesTheClientAndItsAnswerGoesBack() throws Exception {
        client.send(relayAddress(), register(client.hostPort(), "UDP", branch(), callId(), 1));
        SIPRequest reg = (SIPRequest) server.expect(WAIT, "the REGISTER").message();
        ContactHeader contact = reg.getContactHeader();
        SipURI target = (SipURI) contact.getAddress().getURI();

        String id = callId();
        String serverBranch = branch();
        String invite = "INVITE " + target + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + server.hostPort() + ";branch=" + serverBranch + "\r\n"
                + "Record-Route: <sip:" + server.hostPort() + ";lr>\r\n"
                + "Max-Forwards: 69\r\n"
                + "From: <sip:bob@" + Peers.DOMAIN + ">;tag=bob1\r\n"
                + "To: <sip:alice@" + Peers.DOMAIN + ">\r\n"
                + "Call-ID: " + id + "\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Contact: <sip:bob@" + server.hostPort() + ">\r\n"
                + "Content-Type: application/sdp\r\n"
                + "Content-Length: 4\r\n\r\n"
                + "v=0\n";
        server.send(new InetSocketAddress(target.getHost(), target.getPort()), invite);

        Received atClient = client.expect(WAIT, "the INVITE");
        assertThat(atClient.from()).isEqualTo(relayAddress());
        SIPRequest inv = (SIPRequest) atClient.message();
        assertThat(inv.getRequestURI().toString()).isEqualTo("sip:alice@" + client.hostPort());
        assertThat(inv.getViaHeaders()).hasSize(2);
        assertThat(inv.getTopmostVia().getHost() + ":" + inv.getTopmostVia().getPort()).isEqualTo(relayHostPort());
        assertThat(inv.getRecordRouteHeaders()).hasSize(2);
        SipUri rr = (SipUri) ((javax.sip.header.RecordRouteHeader) inv.getRecordRouteHeaders().getFirst()).getAddress()
                .getURI();
        assertThat(rr.getHost() + ":" + rr.getPort()).isEqualTo(relayHostPort());
        assertThat(rr.hasLrParam()).isTrue();
        assertThat(new String(inv.getRawContent(), StandardCharsets.UTF_8)).isEqualTo("v=0\n");

        // the client answers along the Vias (to the relay); the server gets it with its own Via on top
        var ringing = inv.createResponse(200, "OK");
        ringing.getTo().setTag("alice1");
        ringing.setHeader((javax.sip.header.Header) Peers.parse(register(client.hostPort(), "UDP", branch(), id, 1)
                .getBytes(StandardCharsets.UTF_8)).getContactHeader().clone());
        client.send(relayAddress(), ringing.encodeAsBytes("UDP"));
        Received atServer = server.expect(WAIT, "the 200");
        SIPResponse ok = (SIPResponse) atServer.message();
        assertThat(ok.getStatusCode()).isEqualTo(200);
        assertThat(ok.getViaHeaders()).hasSize(1);
        assertThat(ok.getTopmostVia().getBranch()).isEqualTo(serverBranch);
        SipUri okContact = (SipUri) ok.getContactHeader().getAddress().getURI();
        assertThat(okContact.getHost() + ":" + okContact.getPort()).as("the client's Contact points at the relay")
                .isEqualTo(relayHostPort());
        assertThat(seen).filteredOn(p -> "INVITE".equals(p.method()))
                .extracting(Packet::flow, Packet::status, Packet::phoneId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Packet.Flow.FROM_SERVER, 0, client.hostPort()),
                        org.assertj.core.groups.Tuple.tuple(Packet.Flow.TO_SERVER, 200, client.hostPort()));
    }

    @Test
    void malformedInputIsCountedAndDroppedAndTheRelayGoesOn() throws IOException {
        client.send(relayAddress(), "HELLO WORLD\r\n\r\n");
        client.send(relayAddress(), register(client.hostPort(), "UDP", branch(), callId(), 1).replaceAll("Call-ID: .*\r\n", ""));
        client.send(relayAddress(), register(client.hostPort(), "UDP", branch(), callId(), 1).replace("CSeq: 1", "CSeq: x"));
        await("three malformed", WAIT, () -> relay.counters().malformed() == 3);
        String id = callId();
        client.send(relayAddress(), register(client.hostPort(), "UDP", branch(), id, 1));
        assertThat(server.expect(WAIT, "the good REGISTER").message().getCallId().getCallId()).isEqualTo(id);
        // a response that is not the relay's: unroutable, dropped
        server.send(relayAddress(), "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKx\r\n"
                + "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        await("one unroutable", WAIT, () -> relay.counters().unroutable() == 1);
        assertThat(seen).noneMatch(p -> p.status() == 200);
    }

    @Test
    void keepAlivesPassThrough() throws IOException {
        client.send(relayAddress(), "\r\n\r\n");
        Received r = server.expect(WAIT, "the keep-alive");
        assertThat(r.text()).isEqualTo("\r\n\r\n");
        assertThat(seen).singleElement().extracting(Packet::kind).isEqualTo(Packet.Kind.KEEPALIVE);
    }

    // ------------------------------------------------------------------ TCP

    @Test
    void aRegisterOverTcpGoesThroughAndBack() throws Exception {
        try (TcpEnd phone = TcpEnd.connect(CLIENT_HOST, relayAddress())) {
            String id = callId();
            String b = branch();
            phone.send(register(phone.hostPort(), "TCP", b, id, 1));
            try (TcpEnd upstream = TcpEnd.accept(tcpServer, WAIT)) {
                SIPRequest reg = (SIPRequest) upstream.expect(WAIT, "the REGISTER over TCP");
                assertThat(reg.getTopmostVia().getTransport()).isEqualToIgnoringCase("TCP");
                assertThat(reg.getTopmostVia().getHost() + ":" + reg.getTopmostVia().getPort()).isEqualTo(relayHostPort());
                SipUri contact = (SipUri) reg.getContactHeader().getAddress().getURI();
                assertThat(contact.getHost() + ":" + contact.getPort()).isEqualTo(relayHostPort());
                assertThat(contact.getTransportParam()).isEqualToIgnoringCase("tcp");
                assertThat(contact.getParameter(RelaySip.P_CLIENT)).startsWith("t.");
                upstream.send(Peers.ok(reg));
                SIPResponse ok = (SIPResponse) phone.expect(WAIT, "the 200 over TCP");
                assertThat(ok.getStatusCode()).isEqualTo(200);
                assertThat(ok.getCallId().getCallId()).isEqualTo(id);
                assertThat(ok.getViaHeaders()).hasSize(1);
                assertThat(ok.getTopmostVia().getBranch()).isEqualTo(b);
                assertThat(((SipUri) ok.getContactHeader().getAddress().getURI()).toString())
                        .isEqualTo("sip:alice@" + phone.hostPort() + ";transport=tcp");

                // the server's own request on the same connection reaches the phone, and its answer goes back
                String inviteId = callId();
                String invite = "INVITE " + contact + " SIP/2.0\r\n"
                        + "Via: SIP/2.0/TCP " + server.hostPort() + ";branch=z9hG4bKsrvtcp\r\n"
                        + "Max-Forwards: 69\r\n"
                        + "From: <sip:bob@" + Peers.DOMAIN + ">;tag=bob1\r\n"
                        + "To: <sip:alice@" + Peers.DOMAIN + ">\r\n"
                        + "Call-ID: " + inviteId + "\r\n"
                        + "CSeq: 1 INVITE\r\n"
                        + "Contact: <sip:bob@" + server.hostPort() + ";transport=tcp>\r\n"
                        + "Content-Length: 0\r\n\r\n";
                upstream.send(invite);
                SIPRequest inv = (SIPRequest) phone.expect(WAIT, "the INVITE over TCP");
                assertThat(inv.getRequestURI().toString()).isEqualTo("sip:alice@" + phone.hostPort() + ";transport=tcp");
                var busy = inv.createResponse(486, "Busy Here");
                busy.getTo().setTag("alice1");
                phone.send(busy.encodeAsBytes("TCP"));
                SIPResponse atServer = (SIPResponse) upstream.expect(WAIT, "the 486 over TCP");
                assertThat(atServer.getStatusCode()).isEqualTo(486);
                assertThat(atServer.getViaHeaders()).hasSize(1);
            }
        }
        assertThat(seen).first().extracting(Packet::kind, Packet::protocol)
                .containsExactly(Packet.Kind.CONNECT, Protocol.TCP);
    }

    @Test
    void aServerRequestOnTheServersOwnConnectionReachesATcpPhoneAndItsAnswerGoesBackOnIt() throws Exception {
        try (TcpEnd phone = TcpEnd.connect(CLIENT_HOST, relayAddress())) {
            phone.send(register(phone.hostPort(), "TCP", branch(), callId(), 1));
            try (TcpEnd upstream = TcpEnd.accept(tcpServer, WAIT)) {
                SIPRequest reg = (SIPRequest) upstream.expect(WAIT, "the REGISTER over TCP");
                SipURI contact = (SipURI) reg.getContactHeader().getAddress().getURI();
                // as Kamailio does: a connection of its own to the Contact's host and port (the relay's listener)
                try (TcpEnd fromServer = TcpEnd.connect(SERVER_HOST,
                        new InetSocketAddress(contact.getHost(), contact.getPort()))) {
                    String id = callId();
                    fromServer.send("OPTIONS " + contact + " SIP/2.0\r\n"
                            + "Via: SIP/2.0/TCP " + fromServer.hostPort() + ";branch=z9hG4bKsrvown\r\n"
                            + "Max-Forwards: 69\r\n"
                            + "From: <sip:" + Peers.DOMAIN + ">;tag=srv\r\n"
                            + "To: <sip:alice@" + Peers.DOMAIN + ">\r\n"
                            + "Call-ID: " + id + "\r\n"
                            + "CSeq: 1 OPTIONS\r\n"
                            + "Content-Length: 0\r\n\r\n");
                    SIPRequest atPhone = (SIPRequest) phone.expect(WAIT, "the OPTIONS on the phone's connection");
                    assertThat(atPhone.getCallId().getCallId()).isEqualTo(id);
                    assertThat(atPhone.getRequestURI().toString())
                            .isEqualTo("sip:alice@" + phone.hostPort() + ";transport=tcp");
                    var ok = atPhone.createResponse(200, "OK");
                    ok.getTo().setTag("alice1");
                    phone.send(ok.encodeAsBytes("TCP"));
                    SIPResponse back = (SIPResponse) fromServer.expect(WAIT, "the 200 on the server's own connection");
                    assertThat(back.getStatusCode()).isEqualTo(200);
                    assertThat(back.getViaHeaders()).hasSize(1);
                    assertThat(back.getTopmostVia().getBranch()).isEqualTo("z9hG4bKsrvown");
                    assertThat(upstream.receive(Duration.ofMillis(100))).as("nothing on the pair's connection").isEmpty();
                }
            }
        }
    }

    @Test
    void unreachableOnTcpResetsAndThenRefusesConnects() throws IOException {
        current.set((p, now) -> p.kind() == Packet.Kind.CONNECT ? new Verdict.Unreachable("down") : Verdict.PASS);
        // the kernel completed the handshake before the relay could decide: the connection is reset at
        // once (seen by the connect itself, or by the first read)
        assertThatThrownBy(() -> {
            try (TcpEnd first = TcpEnd.connect(CLIENT_HOST, relayAddress())) {
                first.receive(WAIT);
            }
        }).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        await("the listener closed", WAIT, () -> !relay.tcpOpen());
        assertThatThrownBy(() -> TcpEnd.connect(CLIENT_HOST, relayAddress()).close())
                .isInstanceOf(ConnectException.class).hasMessageContaining("refused");
        current.set(PacketPolicy.NONE);
        await("the listener open again", WAIT, relay::tcpOpen);
        try (TcpEnd again = TcpEnd.connect(CLIENT_HOST, relayAddress())) {
            again.send(register(again.hostPort(), "TCP", branch(), callId(), 1));
            try (TcpEnd upstream = TcpEnd.accept(tcpServer, WAIT)) {
                assertThat(upstream.expect(WAIT, "the REGISTER").getCSeq().getMethod()).isEqualTo("REGISTER");
            }
        }
        assertThat(relay.counters().unreachable()).isEqualTo(1);
    }

    @Test
    void resetResetsTheClientsConnection() throws IOException {
        policy(Packet.Flow.TO_SERVER, "REGISTER", new Verdict.Reset("rst"));
        try (TcpEnd phone = TcpEnd.connect(CLIENT_HOST, relayAddress())) {
            phone.send(register(phone.hostPort(), "TCP", branch(), callId(), 1));
            assertThatThrownBy(() -> phone.receive(WAIT)).isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
        assertThat(relay.counters().resets()).isEqualTo(1);
        assertThat(relay.tcpOpen()).as("Reset does not close the listener").isTrue();
    }

    @Test
    void aConnectTimeoutHoldsTheConnectionThenResetsIt() throws IOException {
        current.set((p, now) -> p.kind() == Packet.Kind.CONNECT ? new Verdict.ConnectTimeout("syn") : Verdict.PASS);
        long t0 = System.nanoTime(); // before the connect: the relay's timer starts when it accepts
        try (TcpEnd phone = TcpEnd.connect(CLIENT_HOST, relayAddress())) {
            phone.send(register(phone.hostPort(), "TCP", branch(), callId(), 1));
            assertThatThrownBy(() -> phone.receive(WAIT)).isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(400);
        }
        tcpServer.setSoTimeout(1);
        assertThatThrownBy(tcpServer::accept).as("nothing connected upstream")
                .isInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(relay.counters().dropped()).isEqualTo(1);
    }

    @Test
    void aMalformedMessageOnTcpIsDroppedAndTheConnectionGoesOn() throws IOException {
        try (TcpEnd phone = TcpEnd.connect(CLIENT_HOST, relayAddress())) {
            // framed (Content-Length 0) but no Call-ID: dropped, the stream goes on
            phone.send(register(phone.hostPort(), "TCP", branch(), callId(), 1).replaceAll("Call-ID: .*\r\n", ""));
            String id = callId();
            phone.send(register(phone.hostPort(), "TCP", branch(), id, 2));
            try (TcpEnd upstream = TcpEnd.accept(tcpServer, WAIT)) {
                assertThat(upstream.expect(WAIT, "the good REGISTER").getCallId().getCallId()).isEqualTo(id);
                assertThat(relay.counters().malformed()).isEqualTo(1);
                // a Content-Length that cannot be read: the stream cannot be framed, the connection is reset
                phone.send("REGISTER sip:x SIP/2.0\r\nContent-Length: many\r\n\r\n");
                assertThatThrownBy(() -> phone.receive(WAIT)).isInstanceOf(SocketException.class)
                        .hasMessageContaining("reset");
                // and the relay's connection to the server for it is closed
                assertThatThrownBy(() -> upstream.receive(WAIT)).isInstanceOf(java.io.EOFException.class);
            }
        }
        assertThat(relay.counters().malformed()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ life cycle

    @Test
    void closeStopsItsThreadsAndIsIdempotent() {
        String suffix = "-" + relay.port();
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("sipfleet-relay-")
                && t.getName().endsWith(suffix)).allMatch(Thread::isDaemon).hasSizeGreaterThanOrEqualTo(2);
        relay.close();
        relay.close();
        await("threads gone", WAIT, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("sipfleet-relay-") && t.getName().endsWith(suffix)));
        assertThat(relay.udpOpen()).isFalse();
        assertThat(relay.tcpOpen()).isFalse();
    }
}
