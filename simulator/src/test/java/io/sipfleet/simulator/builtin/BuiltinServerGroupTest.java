package io.sipfleet.simulator.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipfleet.simulator.builtin.RawSip.Msg;
import io.sipfleet.simulator.builtin.RawSip.Req;
import io.sipfleet.simulator.builtin.RawSip.Tcp;
import io.sipfleet.simulator.builtin.RawSip.Udp;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The built-in primary/backup pair over the wire: hand-written SIP on real UDP and TCP sockets to
 * 127.0.0.2 (primary) and 127.0.0.3 (backup), on ports free at the start of the run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(5)
class BuiltinServerGroupTest {
    private static final String DOMAIN = "sipfleet.test";
    private static final String P_HOST = "127.0.0.2";
    private static final String B_HOST = "127.0.0.3";

    /** JAIN-SIP logs every message at INFO through the shared stack logger: keep test output readable. */
    private static final java.util.logging.Logger STACK_LOG = java.util.logging.Logger.getLogger("gov.nist.javax.sip");

    private int pPort;
    private int bPort;
    private BuiltinServerGroup group;
    private BuiltinServer primary;
    private BuiltinServer backup;

    @BeforeAll
    void start() throws Exception {
        STACK_LOG.setLevel(java.util.logging.Level.WARNING);
        pPort = RawSip.freePort(P_HOST);
        bPort = RawSip.freePort(B_HOST);
        Accounts accounts = Accounts.withRule(u -> u.matches("\\d+") ? "pw" + u : null).add("alice", "secret");
        long t0 = System.nanoTime();
        group = new BuiltinServerGroup(BuiltinServerGroup.Config.primaryBackup(P_HOST, pPort, B_HOST, bPort), accounts);
        System.out.printf("group of 2 started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        primary = group.server("primary");
        backup = group.server("backup");
    }

    @AfterEach
    void allUp() {
        for (BuiltinServer s : group.servers()) {
            s.setMode(Mode.UP);
        }
    }

    @AfterAll
    void stop() {
        long t0 = System.nanoTime();
        group.close();
        System.out.printf("group closed in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static Req register(Udp ua, String user, String callId, int cseq, int expires) {
        return new Req("REGISTER", "sip:" + DOMAIN)
                .h("Via", ua.via(RawSip.unique("z9hG4bKr")))
                .h("Max-Forwards", "70")
                .h("From", "<sip:" + user + "@" + DOMAIN + ">;tag=f" + cseq)
                .h("To", "<sip:" + user + "@" + DOMAIN + ">")
                .h("Call-ID", callId)
                .h("CSeq", cseq + " REGISTER")
                .h("Contact", "<sip:" + user + "@" + ua.hostPort() + ">")
                .h("Expires", Integer.toString(expires));
    }

    /** REGISTER, 401, REGISTER with credentials: the final response. */
    private static Msg registerWithAuth(Udp ua, String host, int port, String user, String password, int expires)
            throws Exception {
        String callId = RawSip.unique("reg-");
        ua.send(register(ua, user, callId, 1, expires).build(), host, port);
        Msg challenge = ua.expect(m -> m.isResponse() && m.status() != 100, 2000, "401");
        assertThat(challenge.status()).isEqualTo(401);
        Map<String, String> c = RawSip.challengeParams(challenge.header("WWW-Authenticate"));
        String auth = RawSip.digest(c, user, password, "REGISTER", "sip:" + DOMAIN, null);
        ua.send(register(ua, user, callId, 2, expires).h("Authorization", auth).build(), host, port);
        return ua.expect(m -> m.isResponse() && m.status() != 100, 2000, "final response to REGISTER");
    }

    private static Req invite(Udp ua, String from, String to, String host, int port, String callId, String branch,
            int cseq) {
        return new Req("INVITE", "sip:" + to + "@" + host + ":" + port)
                .h("Via", ua.via(branch))
                .h("Max-Forwards", "70")
                .h("From", "<sip:" + from + "@" + DOMAIN + ">;tag=caller")
                .h("To", "<sip:" + to + "@" + DOMAIN + ">")
                .h("Call-ID", callId)
                .h("CSeq", cseq + " INVITE")
                .h("Contact", "<sip:" + from + "@" + ua.hostPort() + ">")
                .body("application/sdp", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                        + "m=audio 4000 RTP/AVP 0\r\n");
    }

    /** INVITE, 407, ACK, INVITE with credentials: the caller has seen 100 Trying or a final answer. Returns the branch used. */
    private static String inviteWithAuth(Udp caller, String from, String to, String host, int port, String callId)
            throws Exception {
        String b1 = RawSip.unique("z9hG4bKi");
        caller.send(invite(caller, from, to, host, port, callId, b1, 1).build(), host, port);
        Msg challenge = caller.expect(m -> m.isResponse(), 2000, "407");
        assertThat(challenge.status()).isEqualTo(407);
        String ack = new Req("ACK", "sip:" + to + "@" + host + ":" + port)
                .h("Via", caller.via(b1)).h("Max-Forwards", "70")
                .h("From", challenge.header("From")).h("To", challenge.header("To"))
                .h("Call-ID", callId).h("CSeq", "1 ACK").build();
        caller.send(ack, host, port);
        Map<String, String> c = RawSip.challengeParams(challenge.header("Proxy-Authenticate"));
        assertThat(c).containsEntry("realm", DOMAIN).containsKey("nonce");
        String uri = "sip:" + to + "@" + host + ":" + port;
        String b2 = RawSip.unique("z9hG4bKi");
        caller.send(invite(caller, from, to, host, port, callId, b2, 2)
                .h("Proxy-Authorization", RawSip.digest(c, from, "pw" + from, "INVITE", uri, null)).build(), host, port);
        return b2;
    }

    private static String options(String via, String host, int port) {
        String callId = RawSip.unique("opt-");
        return new Req("OPTIONS", "sip:" + host + ":" + port)
                .h("Via", via).h("Max-Forwards", "70")
                .h("From", "<sip:probe@" + DOMAIN + ">;tag=o1").h("To", "<sip:" + host + ":" + port + ">")
                .h("Call-ID", callId).h("CSeq", "1 OPTIONS").build();
    }

    // ---- registrar ------------------------------------------------------------------------------

    @Test
    void register_isChallengedThenAcceptedWithTheGrantedExpiry() throws Exception {
        try (Udp ua = new Udp()) {
            String callId = RawSip.unique("reg-");
            ua.send(register(ua, "1001", callId, 1, 7200).build(), P_HOST, pPort);
            Msg challenge = ua.expect(Msg::isResponse, 2000, "401");
            assertThat(challenge.status()).isEqualTo(401);
            Map<String, String> c = RawSip.challengeParams(challenge.header("WWW-Authenticate"));
            assertThat(c).containsEntry("realm", DOMAIN).containsKey("nonce");
            assertThat(c.get("algorithm")).isEqualToIgnoringCase("MD5");
            assertThat(challenge.header("To")).contains(";tag=");

            String auth = RawSip.digest(c, "1001", "pw1001", "REGISTER", "sip:" + DOMAIN, null);
            ua.send(register(ua, "1001", callId, 2, 7200).h("Authorization", auth).build(), P_HOST, pPort);
            Msg ok = ua.expect(Msg::isResponse, 2000, "200");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("Contact")).contains("sip:1001@" + ua.hostPort()).contains("expires=3600");
            assertThat(ok.header("Expires")).isEqualTo("3600");
            assertThat(group.location().lookup("1001")).hasValueSatisfying(b -> {
                assertThat(b.server()).isEqualTo("primary");
                assertThat(b.transport()).isEqualTo("udp");
                assertThat(b.contact()).contains(ua.hostPort());
            });
            assertThat(primary.requestsReceived("REGISTER")).isGreaterThanOrEqualTo(2);
            assertThat(primary.responsesSent(401)).isGreaterThanOrEqualTo(1);
            assertThat(primary.responsesSent(200)).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void register_withQopAuth_isAccepted_andShorterExpiryIsGranted() throws Exception {
        try (Udp ua = new Udp()) {
            String callId = RawSip.unique("reg-");
            ua.send(register(ua, "alice", callId, 1, 60).build(), B_HOST, bPort);
            Msg challenge = ua.expect(Msg::isResponse, 2000, "401");
            Map<String, String> c = RawSip.challengeParams(challenge.header("WWW-Authenticate"));
            String auth = RawSip.digest(c, "alice", "secret", "REGISTER", "sip:" + DOMAIN, "auth:00000001:0a4f113b");
            ua.send(register(ua, "alice", callId, 2, 60).h("Authorization", auth).build(), B_HOST, bPort);
            Msg ok = ua.expect(Msg::isResponse, 2000, "200");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("Expires")).isEqualTo("60");
            assertThat(group.location().lookup("alice")).hasValueSatisfying(b -> assertThat(b.server()).isEqualTo("backup"));
        }
    }

    @Test
    void register_withWrongPassword_isChallengedAgainWithAFreshNonce() throws Exception {
        try (Udp ua = new Udp()) {
            String callId = RawSip.unique("reg-");
            ua.send(register(ua, "1003", callId, 1, 3600).build(), P_HOST, pPort);
            Map<String, String> c = RawSip.challengeParams(
                    ua.expect(Msg::isResponse, 2000, "401").header("WWW-Authenticate"));
            String auth = RawSip.digest(c, "1003", "wrong", "REGISTER", "sip:" + DOMAIN, null);
            ua.send(register(ua, "1003", callId, 2, 3600).h("Authorization", auth).build(), P_HOST, pPort);
            Msg again = ua.expect(Msg::isResponse, 2000, "401");
            assertThat(again.status()).isEqualTo(401);
            Map<String, String> c2 = RawSip.challengeParams(again.header("WWW-Authenticate"));
            assertThat(c2.get("nonce")).isNotEqualTo(c.get("nonce"));
            assertThat(c2.get("stale")).isEqualToIgnoringCase("false");
            assertThat(group.location().lookup("1003")).isEmpty();
        }
    }

    @Test
    void register_withExpiresZero_removesTheBinding() throws Exception {
        try (Udp ua = new Udp(); Udp caller = new Udp()) {
            assertThat(registerWithAuth(ua, P_HOST, pPort, "1004", "pw1004", 3600).status()).isEqualTo(200);
            assertThat(group.location().lookup("1004")).isPresent();
            assertThat(registerWithAuth(ua, B_HOST, bPort, "1004", "pw1004", 0).status()).isEqualTo(200);
            assertThat(group.location().lookup("1004")).isEmpty();

            inviteWithAuth(caller, "2004", "1004", P_HOST, pPort, RawSip.unique("call-"));
            assertThat(caller.expect(m -> m.isResponse() && m.status() >= 200, 2000, "404").status()).isEqualTo(404);
        }
    }

    // ---- proxy ----------------------------------------------------------------------------------

    @Test
    void call_registeredOnPrimary_isReachedThroughTheBackup_andByeMayLeaveThroughThePrimary() throws Exception {
        try (Udp callee = new Udp(); Udp caller = new Udp()) {
            assertThat(registerWithAuth(callee, P_HOST, pPort, "1010", "pw1010", 3600).status()).isEqualTo(200);
            String callId = RawSip.unique("call-");
            inviteWithAuth(caller, "2010", "1010", B_HOST, bPort, callId);
            assertThat(caller.expect(Msg::isResponse, 2000, "100 Trying").status()).isEqualTo(100);

            Msg inv = callee.expect(m -> "INVITE".equals(m.method()), 2000, "forwarded INVITE");
            assertThat(inv.requestUri()).isEqualTo("sip:1010@" + callee.hostPort());
            assertThat(inv.header("Record-Route")).contains(B_HOST + ":" + bPort).contains("lr");
            assertThat(inv.all("Via")).hasSize(2);
            assertThat(inv.all("Via").get(0)).contains(B_HOST + ":" + bPort);
            assertThat(inv.header("Max-Forwards")).isEqualTo("69");
            assertThat(inv.header("Proxy-Authorization")).isNull();
            assertThat(inv.body).contains("m=audio");

            callee.send(inv.respond(180, "Ringing", "callee"), B_HOST, bPort);
            assertThat(caller.expect(Msg::isResponse, 2000, "180").status()).isEqualTo(180);
            callee.send(inv.respond(200, "OK", "callee", "Contact: <sip:1010@" + callee.hostPort() + ">"), B_HOST, bPort);
            Msg ok = caller.expect(Msg::isResponse, 2000, "200");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("Record-Route")).contains(B_HOST + ":" + bPort);
            assertThat(ok.all("Via")).hasSize(1);

            // ACK for the 2xx: loose-routed through the backup
            String calleeUri = "sip:1010@" + callee.hostPort();
            caller.send(new Req("ACK", calleeUri)
                    .h("Via", caller.via(RawSip.unique("z9hG4bKa"))).h("Max-Forwards", "70")
                    .h("Route", "<sip:" + B_HOST + ":" + bPort + ";lr>")
                    .h("From", ok.header("From")).h("To", ok.header("To"))
                    .h("Call-ID", callId).h("CSeq", "2 ACK").build(), B_HOST, bPort);
            Msg ack = callee.expect(m -> "ACK".equals(m.method()), 2000, "ACK");
            assertThat(ack.header("Route")).isNull();

            // BYE failover: the route names the backup, the BYE is sent to the primary
            caller.send(new Req("BYE", calleeUri)
                    .h("Via", caller.via(RawSip.unique("z9hG4bKb"))).h("Max-Forwards", "70")
                    .h("Route", "<sip:" + B_HOST + ":" + bPort + ";lr>")
                    .h("From", ok.header("From")).h("To", ok.header("To"))
                    .h("Call-ID", callId).h("CSeq", "3 BYE").build(), P_HOST, pPort);
            Msg bye = callee.expect(m -> "BYE".equals(m.method()), 2000, "BYE");
            assertThat(bye.all("Via").get(0)).contains(P_HOST + ":" + pPort);
            callee.send(bye.respond(200, "OK", null), P_HOST, pPort);
            Msg byeOk = caller.expect(m -> m.isResponse() && "BYE".equals(m.cseqMethod()), 2000, "200 to BYE");
            assertThat(byeOk.status()).isEqualTo(200);
        }
    }

    @Test
    void cancel_isAnsweredAndRelayed_andThe487ComesBack() throws Exception {
        try (Udp callee = new Udp(); Udp caller = new Udp()) {
            assertThat(registerWithAuth(callee, B_HOST, bPort, "1020", "pw1020", 3600).status()).isEqualTo(200);
            String callId = RawSip.unique("call-");
            String branch = inviteWithAuth(caller, "2020", "1020", P_HOST, pPort, callId);
            Msg inv = callee.expect(m -> "INVITE".equals(m.method()), 2000, "forwarded INVITE");
            callee.send(inv.respond(180, "Ringing", "callee"), P_HOST, pPort);
            caller.expect(m -> m.isResponse() && m.status() == 180, 2000, "180");

            caller.send(new Req("CANCEL", "sip:1020@" + P_HOST + ":" + pPort)
                    .h("Via", caller.via(branch)).h("Max-Forwards", "70")
                    .h("From", "<sip:2020@" + DOMAIN + ">;tag=caller").h("To", "<sip:1020@" + DOMAIN + ">")
                    .h("Call-ID", callId).h("CSeq", "2 CANCEL").build(), P_HOST, pPort);
            Msg cancelOk = caller.expect(m -> m.isResponse() && "CANCEL".equals(m.cseqMethod()), 2000, "200 to CANCEL");
            assertThat(cancelOk.status()).isEqualTo(200);

            Msg cancel = callee.expect(m -> "CANCEL".equals(m.method()), 2000, "CANCEL downstream");
            callee.send(cancel.respond(200, "OK", "callee"), P_HOST, pPort);
            callee.send(inv.respond(487, "Request Terminated", "callee"), P_HOST, pPort);
            Msg terminated = caller.expect(m -> m.isResponse() && "INVITE".equals(m.cseqMethod()) && m.status() >= 200,
                    2000, "487");
            assertThat(terminated.status()).isEqualTo(487);
            callee.expect(m -> "ACK".equals(m.method()), 2000, "ACK for the 487 from the proxy");
        }
    }

    @Test
    void invite_toAnUnknownUser_is404() throws Exception {
        try (Udp caller = new Udp()) {
            inviteWithAuth(caller, "2030", "9999", P_HOST, pPort, RawSip.unique("call-"));
            assertThat(caller.expect(m -> m.isResponse() && m.status() >= 200, 2000, "404").status()).isEqualTo(404);
        }
    }

    @Test
    void options_toTheServer_is200_overUdpAndTcp() throws Exception {
        try (Udp ua = new Udp()) {
            ua.send(options(ua.via(RawSip.unique("z9hG4bKo")), P_HOST, pPort), P_HOST, pPort);
            assertThat(ua.expect(Msg::isResponse, 2000, "200").status()).isEqualTo(200);
        }
        try (Tcp tcp = new Tcp(B_HOST, bPort)) {
            tcp.send(options(tcp.via(RawSip.unique("z9hG4bKo")), B_HOST, bPort));
            Msg ok = tcp.receive(2000);
            assertThat(ok).isNotNull();
            assertThat(ok.status()).isEqualTo(200);
        }
    }

    // ---- availability modes ---------------------------------------------------------------------

    @Test
    void modes503And500_answerEveryRequestAtOnce() throws Exception {
        try (Udp ua = new Udp()) {
            primary.setMode(Mode.ERROR_503);
            long t0 = System.nanoTime();
            ua.send(register(ua, "1040", RawSip.unique("reg-"), 1, 3600).build(), P_HOST, pPort);
            Msg r = ua.expect(Msg::isResponse, 1000, "503");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.status()).isEqualTo(503);
            assertThat(ms).isLessThan(200);

            primary.setMode("500");
            ua.send(invite(ua, "2040", "1040", P_HOST, pPort, RawSip.unique("call-"), RawSip.unique("z9hG4bK"), 1)
                    .build(), P_HOST, pPort);
            Msg r2 = ua.expect(Msg::isResponse, 1000, "500");
            assertThat(r2.status()).isEqualTo(500);
            assertThat(primary.responsesSent(503)).isGreaterThanOrEqualTo(1);
            assertThat(primary.responsesSent(500)).isGreaterThanOrEqualTo(1);
            assertThat(primary.responsesSent(100)).isZero();
        }
        try (Tcp tcp = new Tcp(P_HOST, pPort)) {
            tcp.send(options(tcp.via(RawSip.unique("z9hG4bKo")), P_HOST, pPort));
            assertThat(tcp.receive(1000).status()).isEqualTo(500);
        }
    }

    @Test
    void silent_answersNothingWithinASecond_notEven100Trying() throws Exception {
        try (Udp ua = new Udp()) {
            backup.setMode(Mode.SILENT);
            long before = backup.requestsReceived("INVITE");
            String branch = RawSip.unique("z9hG4bK");
            String inv = invite(ua, "2050", "1050", B_HOST, bPort, RawSip.unique("call-"), branch, 1).build();
            ua.send(inv, B_HOST, bPort);
            ua.send(register(ua, "1050", RawSip.unique("reg-"), 1, 3600).build(), B_HOST, bPort);
            ua.send(inv, B_HOST, bPort); // a retransmission
            assertThat(ua.receive(1000)).isNull();
            assertThat(backup.requestsReceived("INVITE") - before).isEqualTo(2);
            assertThat(backup.dropped()).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void down_closesTheSockets_andUpOpensThemAgainOnTheSamePort() throws Exception {
        InetSocketAddress addr = new InetSocketAddress(P_HOST, pPort);
        long t0 = System.nanoTime();
        primary.setMode(Mode.DOWN);
        System.out.printf("DOWN took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(primary.mode()).isEqualTo(Mode.DOWN);

        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress("127.0.0.1", 0));
            ch.connect(addr);
            ch.configureBlocking(false);
            ch.write(ByteBuffer.wrap(options("SIP/2.0/UDP 127.0.0.1:" + ((InetSocketAddress) ch.getLocalAddress()).getPort()
                    + ";branch=z9hG4bKdown", P_HOST, pPort).getBytes(StandardCharsets.UTF_8)));
            long end = System.nanoTime() + 1_000_000_000L;
            Throwable seen = null;
            while (System.nanoTime() < end && seen == null) {
                try {
                    ch.read(ByteBuffer.allocate(2048));
                    Thread.sleep(1);
                } catch (PortUnreachableException e) {
                    seen = e;
                }
            }
            assertThat(seen).as("ICMP port unreachable").isInstanceOf(PortUnreachableException.class);
        }
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(addr, 1000);
            }
        }).isInstanceOf(ConnectException.class);

        t0 = System.nanoTime();
        primary.setMode(Mode.UP);
        System.out.printf("UP again took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        try (Udp ua = new Udp()) {
            ua.send(options(ua.via(RawSip.unique("z9hG4bKo")), P_HOST, pPort), P_HOST, pPort);
            assertThat(ua.expect(Msg::isResponse, 2000, "200").status()).isEqualTo(200);
        }
        try (Tcp tcp = new Tcp(P_HOST, pPort)) {
            tcp.send(options(tcp.via(RawSip.unique("z9hG4bKo")), P_HOST, pPort));
            assertThat(tcp.receive(2000).status()).isEqualTo(200);
        }
    }

    @Test
    void down_closesAcceptedTcpConnections() throws Exception {
        try (Tcp tcp = new Tcp(B_HOST, bPort)) {
            tcp.send(options(tcp.via(RawSip.unique("z9hG4bKo")), B_HOST, bPort));
            assertThat(tcp.receive(2000).status()).isEqualTo(200);
            backup.setMode(Mode.DOWN);
            tcp.socket.setSoTimeout(2000);
            int r;
            try {
                r = tcp.in.read();
            } catch (java.net.SocketException reset) {
                r = -1;
            }
            assertThat(r).as("connection closed by the server").isEqualTo(-1);
        }
    }

    // ---- robustness -----------------------------------------------------------------------------

    @Test
    void garbage_isCountedAndDropped_andTheServerStillAnswers() throws Exception {
        try (Udp ua = new Udp()) {
            long before = backup.malformed();
            ua.send("this is not SIP at all\r\n\r\n", B_HOST, bPort);
            ua.sendBytes(new byte[] {0, 1, 2, 3, (byte) 0xff, 13, 10, 13, 10}, B_HOST, bPort);
            ua.send("INVITE sip:x@y SIP/2.0\r\nContent-Length: 0\r\n\r\n", B_HOST, bPort); // no mandatory headers
            long end = System.nanoTime() + 1_000_000_000L;
            while (backup.malformed() - before < 3 && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertThat(backup.malformed() - before).isGreaterThanOrEqualTo(3);

            ua.send(register(ua, "1060", RawSip.unique("reg-"), 1, 3600).build(), B_HOST, bPort);
            assertThat(ua.expect(m -> m.isResponse() && "REGISTER".equals(m.cseqMethod()), 2000, "401").status())
                    .isEqualTo(401);
        }
    }

    @Test
    void modes_parseFromTheApiStrings() {
        assertThat(Mode.parse("up")).isEqualTo(Mode.UP);
        assertThat(Mode.parse("503")).isEqualTo(Mode.ERROR_503);
        assertThat(Mode.parse("500")).isEqualTo(Mode.ERROR_500);
        assertThat(Mode.parse(" Silent ")).isEqualTo(Mode.SILENT);
        assertThat(Mode.parse("DOWN")).isEqualTo(Mode.DOWN);
        assertThat(Mode.ERROR_503.apiName()).isEqualTo("503");
        assertThatThrownBy(() -> Mode.parse("sideways")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("up, 503, 500, silent, down");
    }

    @Test
    void modes_canBeSwitchedFromManyThreadsAtOnce() throws Exception {
        Mode[] all = Mode.values();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int n = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10; i++) {
                    backup.setMode(all[(n + i) % all.length]);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        backup.setMode(Mode.UP);
        try (Udp ua = new Udp()) {
            ua.send(options(ua.via(RawSip.unique("z9hG4bKo")), B_HOST, bPort), B_HOST, bPort);
            assertThat(ua.expect(Msg::isResponse, 2000, "200").status()).isEqualTo(200);
        }
    }
}
