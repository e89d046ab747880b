package io.sipfleet.simulator.relay;

import static io.sipfleet.simulator.relay.Peers.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import gov.nist.javax.sip.header.ProxyAuthenticate;
import gov.nist.javax.sip.header.WWWAuthenticate;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.PacketPolicy;
import io.sipfleet.faults.Verdict;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.relay.Peers.UdpPeer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The relay between SIPp (a real SIP client, not our code) and a real Kamailio: SIPp's digest
 * REGISTER goes through it, over UDP and TCP; the relay's verdicts show in SIPp's own results
 * (exit code, failed calls, error log); and Kamailio's INVITE to a phone registered through the
 * relay reaches the phone. Skipped when Kamailio or SIPp is not installed.
 *
 * <p>What SIPp 3.6.1 shows (measured): over UDP it sends with {@code sendto} on an unconnected
 * socket, so it never sees ICMP: a closed port, like a black hole, is a receive timeout to it (exit
 * code 1, one failed call); the test proves the ICMP itself with a connected socket of its own. Over
 * TCP a reset or refused connection is fatal to it: exit code 255 and "Error on TCP connection" in its
 * error file.
 */
class FaultRelayKamailioIT {
    private static final String RELAY_HOST = "127.0.0.6";
    private static final String PHONE_HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final AtomicInteger USERS = new AtomicInteger();

    private static KamailioPair pair;
    private static Path dir;
    private static Path scenario;
    private FaultRelay relay;

    @BeforeAll
    static void startKamailio() throws IOException {
        assumeTrue(KamailioPair.available(), KamailioPair.unavailableReason());
        assumeTrue(KamailioPair.sippAvailable(), "sipp (Debian package sip-tester) is not installed");
        pair = KamailioPair.start();
        dir = Files.createDirectories(Paths.get("target", "relay-sipp"));
        scenario = dir.resolve("register-digest.xml");
        try (InputStream in = FaultRelayKamailioIT.class.getResourceAsStream("/sipp/register-digest.xml")) {
            assertThat(in).as("classpath sipp/register-digest.xml").isNotNull();
            Files.copy(in, scenario, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @AfterAll
    static void stopKamailio() {
        if (pair != null) {
            pair.close();
        }
    }

    @AfterEach
    void stopRelay() {
        if (relay != null) {
            relay.close();
        }
    }

    private FaultRelay relay(PacketPolicy policy) throws IOException {
        KamailioPair.Server primary = pair.primary();
        relay = FaultRelay.start(FaultRelay.Settings.of(RELAY_HOST, KamailioPair.freePort(RELAY_HOST), primary.host(),
                primary.port()), policy, System::currentTimeMillis);
        return relay;
    }

    private static String user(String prefix) {
        return prefix + USERS.incrementAndGet() + "r" + ProcessHandle.current().pid();
    }

    // ------------------------------------------------------------------ SIPp through the relay

    @Test
    void sippRegistersThroughTheRelayOverUdp() throws Exception {
        relay(PacketPolicy.NONE);
        String user = user("ru");
        Sipp run = sipp("udp-pass", user, "u1");
        assertThat(run.exitCode).as("sipp exit code; %s", run).isZero();
        assertThat(run.successful()).isEqualTo(1);
        assertThat(run.failed()).isZero();
        String binding = pair.primary().kamcmd("ul.lookup", "location", user);
        assertThat(binding).as("Kamailio's binding points at the relay").contains(RELAY_HOST + ":" + relay.port())
                .contains(RelaySip.P_CLIENT + "=u.");
        FaultRelay.Counters c = relay.counters();
        assertThat(c.toServer()).isEqualTo(2);
        assertThat(c.toClient()).isEqualTo(2);
    }

    @Test
    void sippRegistersThroughTheRelayOverTcp() throws Exception {
        relay(PacketPolicy.NONE);
        String user = user("rt");
        Sipp run = sipp("tcp-pass", user, "t1");
        assertThat(run.exitCode).as("sipp exit code; %s", run).isZero();
        assertThat(run.successful()).isEqualTo(1);
        assertThat(pair.primary().kamcmd("ul.lookup", "location", user)).contains(RELAY_HOST + ":" + relay.port())
                .contains(RelaySip.P_CLIENT + "=t.");
    }

    @Test
    void unreachableOnUdpFailsSippsRegisterAndItsPortAnswersWithIcmp() throws Exception {
        relay(Unreachable.TO_SERVER);
        String user = user("rx");
        Sipp run = startSipp("udp-unreachable", user, "u1");
        // while SIPp runs, the relay's port gives real ICMP port unreachable to a connected socket
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.bind(new InetSocketAddress(PHONE_HOST, 0));
            probe.connect(relay.listenAddress());
            probe.configureBlocking(false);
            await("the relay's port closed", WAIT, () -> !relay.udpOpen());
            boolean icmp = false;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!icmp && System.nanoTime() < deadline) {
                try {
                    if (!relay.udpOpen()) {
                        probe.write(ByteBuffer.wrap("\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                    }
                    Thread.sleep(5);
                    probe.read(ByteBuffer.allocate(64));
                } catch (PortUnreachableException e) {
                    icmp = true;
                }
            }
            assertThat(icmp).as("ICMP port unreachable from the relay's closed port").isTrue();
        }
        run.await();
        assertThat(run.exitCode).as("sipp exit code; %s", run).isEqualTo(1);
        assertThat(run.successful()).isZero();
        assertThat(run.failed()).isEqualTo(1);
        assertThat(run.errors()).contains("receive timeout");
        assertThat(relay.counters().unreachable()).isGreaterThanOrEqualTo(1);
        assertThat(pair.primary().hasBinding(user)).isFalse();
    }

    @Test
    void unreachableOnTcpIsAResetOrRefusedConnectionToSipp() throws Exception {
        relay((p, now) -> p.flow() == Packet.Flow.TO_SERVER ? new Verdict.Unreachable("down") : Verdict.PASS);
        String user = user("ry");
        Sipp run = sipp("tcp-unreachable", user, "t1");
        assertThat(run.exitCode).as("sipp exit code (255: fatal); %s", run).isEqualTo(255);
        assertThat(run.errors()).containsPattern("Error on TCP connection.*(Connection reset by peer|Connection refused)");
        assertThat(relay.counters().unreachable()).isEqualTo(1);
        assertThat(pair.primary().hasBinding(user)).isFalse();
    }

    @Test
    void aBlackholeTimesSippOut() throws Exception {
        relay((p, now) -> p.flow() == Packet.Flow.TO_SERVER ? new Verdict.Drop("blackhole") : Verdict.PASS);
        String user = user("rd");
        Sipp run = sipp("udp-drop", user, "u1");
        assertThat(run.exitCode).as("sipp exit code; %s", run).isEqualTo(1);
        assertThat(run.failed()).isEqualTo(1);
        assertThat(run.errors()).contains("receive timeout");
        FaultRelay.Counters c = relay.counters();
        assertThat(c.dropped()).as("SIPp's REGISTER and its retransmissions reached the open port").isGreaterThanOrEqualTo(2);
        assertThat(c.unreachable()).isZero();
        assertThat(c.toServer()).isZero();
        assertThat(pair.primary().hasBinding(user)).isFalse();
    }

    @Test
    void aRespond503IsAnUnexpectedMessageToSipp() throws Exception {
        relay((p, now) -> p.flow() == Packet.Flow.TO_SERVER && "REGISTER".equals(p.method())
                ? new Verdict.Respond("busy", 503, "Service Unavailable", 5) : Verdict.PASS);
        String user = user("rr");
        Sipp run = sipp("udp-503", user, "u1");
        assertThat(run.exitCode).as("sipp exit code; %s", run).isEqualTo(1);
        assertThat(run.failed()).isEqualTo(1);
        // SIPp goes on after an unexpected message and retransmits its REGISTER: each one is answered
        assertThat(run.errors()).contains("while expecting '401'").contains("SIP/2.0 503 Service Unavailable")
                .contains("Retry-After: 5");
        assertThat(relay.counters().answered()).isGreaterThanOrEqualTo(1);
        assertThat(relay.counters().toServer()).isZero();
        assertThat(pair.primary().hasBinding(user)).isFalse();
    }

    // ------------------------------------------------------------------ Kamailio's INVITE to a phone behind the relay

    @Test
    void kamailiosInviteReachesAUdpPhoneRegisteredThroughTheRelay() throws Exception {
        relay(PacketPolicy.NONE);
        try (UdpPeer socket = new UdpPeer(PHONE_HOST)) {
            InetSocketAddress to = relay.listenAddress();
            inviteReachesAPhoneBehindTheRelay(new PhoneEnd() {
                public String hostPort() {
                    return socket.hostPort();
                }

                public void send(byte[] bytes) throws IOException {
                    socket.send(to, bytes);
                }

                public Optional<SIPMessage> next(Duration timeout) throws IOException {
                    return socket.receive(timeout).map(Peers.Received::message);
                }
            }, "UDP");
        }
    }

    @Test
    void kamailiosInviteReachesATcpPhoneRegisteredThroughTheRelay() throws Exception {
        List<Packet> connects = new java.util.concurrent.CopyOnWriteArrayList<>();
        relay((p, now) -> {
            if (p.kind() == Packet.Kind.CONNECT) {
                connects.add(p);
            }
            return Verdict.PASS;
        });
        try (Peers.TcpEnd conn = Peers.TcpEnd.connect(PHONE_HOST, relay.listenAddress())) {
            // Kamailio has no connection to the Contact's address (the relay's listener): it opens one
            inviteReachesAPhoneBehindTheRelay(new PhoneEnd() {
                public String hostPort() {
                    return conn.hostPort();
                }

                public void send(byte[] bytes) throws IOException {
                    conn.send(bytes);
                }

                public Optional<SIPMessage> next(Duration timeout) throws IOException {
                    return conn.receive(timeout);
                }
            }, "TCP");
        }
        assertThat(connects).extracting(Packet::phoneId).as("the phone's connection, then Kamailio's own")
                .hasSize(2).last().asString().startsWith(pair.primary().host() + ":");
    }

    /** A phone's socket: UDP to the relay, or a TCP connection to it. */
    private interface PhoneEnd {
        String hostPort();

        void send(byte[] bytes) throws IOException;

        Optional<SIPMessage> next(Duration timeout) throws IOException;

        default void send(String text) throws IOException {
            send(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The phone registers through the relay (digest); bob calls it through Kamailio directly; Kamailio
     * sends the INVITE to the registered contact, the relay, which passes it to the phone with its
     * Request-URI restored; the phone's 486 goes back through the relay and Kamailio to bob.
     */
    private void inviteReachesAPhoneBehindTheRelay(PhoneEnd phone, String transport) throws Exception {
        String alice = user("ra");
        String bob = user("rb");
        try (UdpPeer caller = new UdpPeer(PHONE_HOST)) {
            String registrar = RELAY_HOST + ":" + relay.port();
            String callId = Peers.callId();
            phone.send(register(phone.hostPort(), transport, alice, registrar, callId, 1, null));
            SIPResponse challenge = (SIPResponse) phone.next(WAIT).orElseThrow(() -> new AssertionError("no 401"));
            assertThat(challenge.getStatusCode()).isEqualTo(401);
            String auth = digest((WWWAuthenticate) challenge.getHeader("WWW-Authenticate"), alice, "REGISTER",
                    "sip:" + registrar);
            phone.send(register(phone.hostPort(), transport, alice, registrar, callId, 2, "Authorization: " + auth));
            SIPResponse registered = (SIPResponse) phone.next(WAIT).orElseThrow(() -> new AssertionError("no 200"));
            assertThat(registered.getStatusCode()).isEqualTo(200);

            KamailioPair.Server primary = pair.primary();
            InetSocketAddress kamailio = primary.address();
            String inviteCallId = Peers.callId();
            String b1 = Peers.branch();
            caller.send(kamailio, invite(caller, bob, alice, primary.hostPort(), inviteCallId, 1, b1, null));
            SIPResponse proxyAuth = awaitFinal(caller, inviteCallId);
            assertThat(proxyAuth.getStatusCode()).isEqualTo(407);
            caller.send(kamailio, ack(caller, bob, alice, primary.hostPort(), inviteCallId, 1, b1, proxyAuth));
            String pa = digest((ProxyAuthenticate) proxyAuth.getHeader("Proxy-Authenticate"), bob, "INVITE",
                    "sip:" + alice + "@" + primary.hostPort());
            String b2 = Peers.branch();
            caller.send(kamailio, invite(caller, bob, alice, primary.hostPort(), inviteCallId, 2, b2,
                    "Proxy-Authorization: " + pa));

            SIPRequest atPhone = null;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (atPhone == null && System.nanoTime() < deadline) {
                Optional<SIPMessage> m = phone.next(WAIT);
                if (m.isPresent() && m.get() instanceof SIPRequest q && "INVITE".equals(q.getMethod())) {
                    atPhone = q;
                }
            }
            assertThat(atPhone).as("Kamailio's INVITE reached the phone through the relay").isNotNull();
            assertThat(atPhone.getRequestURI().toString()).isEqualTo("sip:" + alice + "@" + phone.hostPort()
                    + ("TCP".equals(transport) ? ";transport=tcp" : ""));
            assertThat(atPhone.getTopmostVia().getHost()).isEqualTo(RELAY_HOST);
            assertThat(atPhone.getTopmostVia().getTransport()).isEqualToIgnoringCase(transport);
            assertThat(atPhone.getRecordRouteHeaders().getFirst().toString()).contains(RELAY_HOST);

            SIPResponse busy = atPhone.createResponse(486, "Busy Here");
            busy.getTo().setTag("alice486");
            phone.send(busy.encodeAsBytes(transport));
            SIPResponse result = awaitFinal(caller, inviteCallId);
            assertThat(result.getStatusCode()).isEqualTo(486);
            caller.send(kamailio, ack(caller, bob, alice, primary.hostPort(), inviteCallId, 2, b2, result));
        }
        assertThat(relay.counters().unroutable() + relay.counters().malformed()).isZero();
    }

    private static SIPResponse awaitFinal(UdpPeer peer, String callId) throws IOException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            var r = peer.receive(WAIT);
            if (r.isPresent() && r.get().message() instanceof SIPResponse s && s.getStatusCode() >= 200
                    && callId.equals(s.getCallId().getCallId())) {
                return s;
            }
        }
        throw new AssertionError("no final response for " + callId);
    }

    private static String register(String hostPort, String transport, String user, String registrar, String callId,
            int cseq, String auth) {
        return "REGISTER sip:" + registrar + " SIP/2.0\r\n"
                + "Via: SIP/2.0/" + transport + " " + hostPort + ";branch=" + Peers.branch() + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:" + user + "@" + Peers.DOMAIN + ">;tag=reg" + cseq + "\r\n"
                + "To: <sip:" + user + "@" + Peers.DOMAIN + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: " + cseq + " REGISTER\r\n"
                + "Contact: <sip:" + user + "@" + hostPort + ("TCP".equals(transport) ? ";transport=tcp" : "") + ">\r\n"
                + (auth == null ? "" : auth + "\r\n")
                + "Expires: 120\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    private static String invite(UdpPeer caller, String from, String to, String server, String callId, int cseq,
            String branch, String auth) {
        return "INVITE sip:" + to + "@" + server + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + caller.hostPort() + ";branch=" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:" + from + "@" + Peers.DOMAIN + ">;tag=inv\r\n"
                + "To: <sip:" + to + "@" + Peers.DOMAIN + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: " + cseq + " INVITE\r\n"
                + "Contact: <sip:" + from + "@" + caller.hostPort() + ">\r\n"
                + (auth == null ? "" : auth + "\r\n")
                + "Content-Length: 0\r\n\r\n";
    }

    private static String ack(UdpPeer caller, String from, String to, String server, String callId, int cseq,
            String branch, SIPResponse answered) {
        return "ACK sip:" + to + "@" + server + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + caller.hostPort() + ";branch=" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:" + from + "@" + Peers.DOMAIN + ">;tag=inv\r\n"
                + answered.getTo().toString().trim() + "\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: " + cseq + " ACK\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    /** A Digest response (RFC 2617, MD5, qop=auth when offered) to a challenge read by JAIN-SIP. */
    private static String digest(javax.sip.header.WWWAuthenticateHeader challenge, String user, String method,
            String uri) throws Exception {
        String realm = challenge.getRealm();
        String nonce = challenge.getNonce();
        String ha1 = md5(user + ":" + realm + ":pw" + user);
        String ha2 = md5(method + ":" + uri);
        StringBuilder h = new StringBuilder("Digest username=\"").append(user).append("\", realm=\"").append(realm)
                .append("\", nonce=\"").append(nonce).append("\", uri=\"").append(uri).append("\", algorithm=MD5");
        String qop = challenge.getQop();
        if (qop != null && List.of(qop.split(",")).stream().map(String::trim).anyMatch("auth"::equals)) {
            String cnonce = "0a1b2c3d";
            String nc = "00000001";
            h.append(", qop=auth, nc=").append(nc).append(", cnonce=\"").append(cnonce).append("\", response=\"")
                    .append(md5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)).append('"');
        } else {
            h.append(", response=\"").append(md5(ha1 + ":" + nonce + ":" + ha2)).append('"');
        }
        if (challenge.getOpaque() != null) {
            h.append(", opaque=\"").append(challenge.getOpaque()).append('"');
        }
        return h.toString();
    }

    private static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** Unreachable for every packet to the server. */
    private enum Unreachable implements PacketPolicy {
        TO_SERVER;

        @Override
        public Verdict decide(Packet p, long nowMs) {
            return p.flow() == Packet.Flow.TO_SERVER ? new Verdict.Unreachable("down") : Verdict.PASS;
        }
    }

    // ------------------------------------------------------------------ SIPp

    private Sipp sipp(String name, String user, String transport) throws Exception {
        Sipp run = startSipp(name, user, transport);
        run.await();
        return run;
    }

    /**
     * Starts one digest REGISTER by SIPp to the relay: {@code -m 1}, a 2 s receive timeout, a 10 s
     * global bound; its statistics, errors and output under target/relay-sipp/NAME.
     */
    private Sipp startSipp(String name, String user, String transport) throws IOException {
        Path runDir = Files.createDirectories(dir.resolve(name));
        try (var files = Files.list(runDir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Path csv = runDir.resolve("users.csv");
        Files.writeString(csv, "SEQUENTIAL\n" + user + ";[authentication username=" + user + " password=pw" + user
                + "]\n");
        Sipp run = new Sipp();
        run.stat = runDir.resolve("stat.csv");
        run.errorFile = runDir.resolve("errors.log");
        run.out = runDir.resolve("sipp.out");
        List<String> cmd = new ArrayList<>(List.of(KamailioPair.findBinary("sipp").orElseThrow().toString(),
                RELAY_HOST + ":" + relay.port(),
                "-sf", scenario.toAbsolutePath().toString(),
                "-inf", csv.toAbsolutePath().toString(),
                "-t", transport,
                "-m", "1", "-l", "1",
                "-nd", "-nostdin",
                "-i", PHONE_HOST,
                "-p", Integer.toString(KamailioPair.freePort(PHONE_HOST)),
                "-mp", Integer.toString(KamailioPair.freePort(PHONE_HOST)),
                "-recv_timeout", "2000",
                "-timeout", "10s", "-timeout_error",
                "-max_socket", "64",
                "-trace_stat", "-stf", run.stat.toAbsolutePath().toString(),
                "-trace_err", "-error_file", run.errorFile.toAbsolutePath().toString()));
        if (transport.startsWith("u")) {
            cmd.add("-bind_local");
        }
        Files.writeString(runDir.resolve("command.txt"), String.join(" ", cmd) + "\n");
        run.process = new ProcessBuilder(cmd).directory(runDir.toFile()).redirectErrorStream(true)
                .redirectOutput(run.out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        return run;
    }

    /** One SIPp run and what it reported. */
    private static final class Sipp {
        Process process;
        Path stat;
        Path errorFile;
        Path out;
        int exitCode = -1;

        void await() throws InterruptedException {
            boolean finished = process.waitFor(20, TimeUnit.SECONDS);
            if (!finished) {
                process.destroyForcibly(); // this run's own process, by its handle
                process.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("sipp did not finish within 20 s: " + this);
            }
            exitCode = process.exitValue();
        }

        /** A cumulative counter from the last line of SIPp's statistics file, e.g. "SuccessfulCall(C)". */
        long stat(String column) {
            try {
                List<String> lines = Files.readAllLines(stat);
                if (lines.size() < 2) {
                    return -1;
                }
                String[] header = lines.get(0).split(";", -1);
                String[] last = lines.get(lines.size() - 1).split(";", -1);
                for (int i = 0; i < header.length && i < last.length; i++) {
                    if (header[i].equals(column)) {
                        return Long.parseLong(last[i].trim());
                    }
                }
                throw new AssertionError("no column " + column + " in " + stat);
            } catch (IOException e) {
                return -1;
            }
        }

        long successful() {
            return stat("SuccessfulCall(C)");
        }

        long failed() {
            return stat("FailedCall(C)");
        }

        String errors() {
            try {
                return Files.exists(errorFile) ? Files.readString(errorFile) : "";
            } catch (IOException e) {
                return "(" + e + ")";
            }
        }

        @Override
        public String toString() {
            String output;
            try {
                output = Files.exists(out) ? Files.readString(out) : "";
            } catch (IOException e) {
                output = e.toString();
            }
            int from = Math.max(0, output.length() - 1500);
            return "exit " + exitCode + ", errors: " + errors() + "\noutput tail: " + output.substring(from);
        }
    }
}
