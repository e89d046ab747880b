package io.sipfleet.simulator.kamailio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.sip.SipFactory;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ContentLengthHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.sipfleet.simulator.kamailio.KamailioPair.Server;
import io.sipfleet.simulator.sip.TlsMaterial;

/**
 * Proves the real-Kamailio fixture with a tiny raw-UDP SIP client (and SIPp): digest
 * registration, replication to the backup, the availability modes, freeze, kill (ICMP port
 * unreachable, TCP refused), restart, and the TCP black hole; and, when the tls module is installed,
 * a digest REGISTER over TLS on both servers (a JDK TLS socket, messages made and read by JAIN-SIP).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KamailioPairIT {

    private static final String DOMAIN = "sipfleet.test";
    private static final Duration ANSWER = Duration.ofSeconds(2);
    private static final Duration NO_ANSWER = Duration.ofSeconds(1);

    private static KamailioPair pair;
    private static Ua alice;

    @BeforeAll
    static void startPair() throws IOException {
        assumeTrue(KamailioPair.available(), KamailioPair.unavailableReason());
        pair = KamailioPair.start();
        alice = new Ua("alice");
    }

    @AfterAll
    static void stopPair() {
        if (alice != null) {
            alice.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    @Order(1)
    void digestRegisterOnThePrimaryIsVisibleThroughTheBackup() throws IOException {
        Server primary = pair.primary();
        Server backup = pair.backup();

        // REGISTER -> 401 -> REGISTER with credentials -> 200
        Msg challenge = alice.request(primary, alice.register(primary, 1, null), ANSWER).orElseThrow();
        assertThat(challenge.status()).isEqualTo(401);
        assertThat(challenge.header("WWW-Authenticate")).contains("realm=\"" + DOMAIN + "\"");
        Msg ok = alice.registerWithAuth(primary);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("Contact")).contains("127.0.0.1:" + alice.port());

        // a wrong password is refused
        try (Ua mallory = new Ua("mallory")) {
            Msg first = mallory.request(primary, mallory.register(primary, 1, null), ANSWER).orElseThrow();
            String bad = digest(first.header("WWW-Authenticate"), "mallory", "wrong", "REGISTER",
                    "sip:" + primary.hostPort());
            Msg refused = mallory.request(primary, mallory.register(primary, 2, "Authorization: " + bad), ANSWER)
                    .orElseThrow();
            assertThat(refused.status()).isEqualTo(401);
        }

        assertThat(backup.awaitBinding("alice", ANSWER)).as("alice replicated to the backup").isTrue();
        assertThat(backup.hasBinding("nobody")).isFalse();

        // an INVITE through the backup reaches alice's registered contact (dmq_usrloc replication)
        try (Ua bob = new Ua("bob")) {
            Msg invite = inviteReaches(backup, bob, alice);
            assertThat(invite.header("Record-Route")).contains(backup.host());
            assertThat(invite.headers("Via")).hasSize(2);
            // an unknown user: 404
            assertThat(bob.invite(primary, "nobody").status()).isEqualTo(404);
        }
        assertThat(primary.answersOptions(ANSWER)).isTrue();
        assertThat(backup.answersOptions(ANSWER)).isTrue();
    }

    @Test
    @Order(2)
    void modesAreSwitchedAtRunTime() throws IOException {
        Server primary = pair.primary();
        try (Ua carol = new Ua("carol"); Ua dave = new Ua("dave")) {
            primary.mode("503");
            assertThat(carol.request(primary, carol.register(primary, 1, null), ANSWER).orElseThrow().status())
                    .isEqualTo(503);
            assertThat(pair.backup().answersOptions(ANSWER)).as("the backup is not affected").isTrue();

            primary.mode("500");
            assertThat(carol.request(primary, carol.register(primary, 1, null), ANSWER).orElseThrow().status())
                    .isEqualTo(500);

            primary.mode("silent");
            assertThat(primary.mode()).isEqualTo("silent");
            assertThat(carol.request(primary, carol.register(primary, 1, null), NO_ANSWER)).isEmpty();
            assertThat(primary.answersOptions(NO_ANSWER)).isFalse();
            // not even a 100 Trying to an INVITE
            assertThat(dave.awaitAny(primary, dave.inviteText(primary, "alice", 1, null, branch()), NO_ANSWER))
                    .isEmpty();

            // replication goes on while silent: carol registers on the backup, reachable via the primary later
            assertThat(carol.registerWithAuth(pair.backup()).status()).isEqualTo(200);

            primary.mode("up");
            assertThat(carol.request(primary, carol.register(primary, 1, null), ANSWER).orElseThrow().status())
                    .isEqualTo(401);
            inviteReaches(primary, dave, carol);
        } finally {
            primary.mode("up");
        }
    }

    @Test
    @Order(3)
    void aFrozenServerAnswersNothingUntilThawed() throws IOException {
        Server primary = pair.primary();
        try (Ua erin = new Ua("erin")) {
            primary.freeze();
            try {
                assertThat(primary.isFrozen()).isTrue();
                assertThat(erin.request(primary, erin.register(primary, 1, null), NO_ANSWER)).isEmpty();
                assertThat(primary.answersOptions(Duration.ofMillis(300))).isFalse();
            } finally {
                primary.thaw();
            }
            assertThat(primary.answersOptions(ANSWER)).isTrue();
            assertThat(erin.registerWithAuth(primary).status()).isEqualTo(200);
        }
    }

    @Test
    @Order(4)
    void aKilledServerGivesIcmpPortUnreachableAndTcpRefusedThenRestarts() throws IOException {
        Server primary = pair.primary();
        long oldPid = primary.pid();
        primary.kill();
        assertThat(primary.isRunning()).isFalse();

        // UDP: a connected channel gets the ICMP port unreachable on the receive after the send
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            channel.connect(primary.address());
            channel.write(ByteBuffer.wrap("OPTIONS sip:x SIP/2.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            channel.socket().setSoTimeout(1000);
            assertThatThrownBy(() -> channel.socket().receive(new DatagramPacket(new byte[2048], 2048)))
                    .isInstanceOf(PortUnreachableException.class);
        }
        // TCP: refused
        try (Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(primary.address(), 1000)).isInstanceOf(ConnectException.class);
        }

        primary.restart();
        assertThat(primary.pid()).isPositive().isNotEqualTo(oldPid);
        assertThat(primary.mode()).isEqualTo("up");
        assertThat(primary.answersOptions(ANSWER)).isTrue();
        // the restarted primary got alice's binding back from the backup (dmq_usrloc sync)
        assertThat(primary.awaitBinding("alice", Duration.ofSeconds(5))).as("alice synced back to the primary").isTrue();
        try (Ua frank = new Ua("frank")) {
            inviteReaches(primary, frank, alice);
        }
    }

    @Test
    @Order(5)
    void aTcpBlackholeMakesConnectsTimeOut() throws IOException {
        assumeTrue(KamailioPair.tcpBlackholeSupported(), "iptables not usable (needs root): TCP black hole not tested");
        Server backup = pair.backup();
        try (Socket socket = new Socket()) {
            socket.connect(backup.address(), 1000);
        }
        backup.tcpBlackhole(true);
        try {
            assertThat(backup.isTcpBlackholed()).isTrue();
            long start = System.nanoTime();
            try (Socket socket = new Socket()) {
                assertThatThrownBy(() -> socket.connect(backup.address(), 1000))
                        .isInstanceOf(SocketTimeoutException.class);
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(900);
            assertThat(backup.answersOptions(ANSWER)).as("UDP is not affected").isTrue();
        } finally {
            backup.tcpBlackhole(false);
        }
        try (Socket socket = new Socket()) {
            socket.connect(backup.address(), 1000);
            assertThat(socket.isConnected()).isTrue();
        }
    }

    @Test
    @Order(6)
    void sippRegistersThroughTheFixture() throws Exception {
        assumeTrue(KamailioPair.sippAvailable(), "sipp (Debian package sip-tester) is not installed");
        Server primary = pair.primary();
        Path dir = Files.createDirectories(Paths.get("target", "sipp"));
        Path scenario = dir.resolve("register-digest.xml");
        try (InputStream in = KamailioPairIT.class.getResourceAsStream("/sipp/register-digest.xml")) {
            assertThat(in).as("classpath sipp/register-digest.xml").isNotNull();
            Files.copy(in, scenario, StandardCopyOption.REPLACE_EXISTING);
        }
        Path csv = dir.resolve("users.csv");
        StringBuilder users = new StringBuilder("SEQUENTIAL\n");
        for (int i = 1; i <= 10; i++) {
            users.append("sipp").append(i).append(";[authentication username=sipp").append(i)
                    .append(" password=pwsipp").append(i).append("]\n");
        }
        Files.writeString(csv, users.toString());
        Path out = dir.resolve("sipp-register.out");
        List<String> cmd = List.of(KamailioPair.findBinary("sipp").orElseThrow().toString(),
                primary.hostPort(),
                "-sf", scenario.toAbsolutePath().toString(),
                "-inf", csv.toAbsolutePath().toString(),
                "-m", "10", "-r", "50", "-l", "10",
                "-nd", "-nostdin",
                "-i", "127.0.0.1", "-bind_local",
                "-p", Integer.toString(KamailioPair.freePort("127.0.0.1")),
                "-mp", Integer.toString(KamailioPair.freePort("127.0.0.1")),
                "-timeout", "20s", "-timeout_error",
                "-trace_err", "-error_file", dir.resolve("sipp-register-errors.log").toAbsolutePath().toString());
        Process sipp = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        boolean finished = sipp.waitFor(30, TimeUnit.SECONDS);
        if (!finished) {
            sipp.destroyForcibly();
            sipp.waitFor(5, TimeUnit.SECONDS);
        }
        assertThat(finished).as("sipp finished within 30 s").isTrue();
        assertThat(sipp.exitValue()).as("sipp exit code; output in %s", out).isZero();

        assertThat(primary.hasBinding("sipp1")).isTrue();
        assertThat(primary.hasBinding("sipp10")).isTrue();
        assertThat(pair.backup().awaitBinding("sipp10", Duration.ofSeconds(3)))
                .as("SIPp's registrations replicated to the backup").isTrue();
        assertThat(pair.backup().locationContacts()).isGreaterThanOrEqualTo(10);
    }

    @Test
    @Order(7)
    void aFrozenServerCanBeKilledAndARestartedOneGetsTheBindingsMadeMeanwhile() throws IOException {
        Server backup = pair.backup();
        backup.freeze();
        backup.kill();
        assertThat(backup.isRunning()).isFalse();
        assertThat(backup.isFrozen()).isFalse();
        assertThatThrownBy(() -> backup.mode("503")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pair.primary().mode("down")).isInstanceOf(IllegalArgumentException.class);
        try (Ua grace = new Ua("grace")) {
            // registered while the backup is dead: the KDMQ to it is lost
            assertThat(grace.registerWithAuth(pair.primary()).status()).isEqualTo(200);
            backup.restart();
            assertThat(backup.awaitBinding("grace", Duration.ofSeconds(5))).as("full sync at start").isTrue();
            assertThat(backup.hasBinding("alice")).isTrue();
        }
    }

    @Test
    @Order(8)
    void aDigestRegisterOverTlsWorksOnBothServers() throws Exception {
        assumeTrue(pair.supportsTls(), pair.tlsUnavailableReason());
        // the key Kamailio reads: PEM, owner-only
        Path key = pair.workDir().resolve("tls").resolve("private-key.pem");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        if (Files.getFileStore(key).supportsFileAttributeView("posix")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                    .isEqualTo("rw-------");
        }
        for (Server server : List.of(pair.primary(), pair.backup())) {
            Server other = server == pair.primary() ? pair.backup() : pair.primary();
            assertThat(server.tlsPort()).isEqualTo(server.port() + 1);
            String user = "tls" + server.name();
            try (TlsUa ua = new TlsUa(user, server)) {
                // the server presents the simulator's certificate, valid for its address (host name checked)
                assertThat(ua.peerCertificate()).isEqualTo(TlsMaterial.generated().certificate());
                assertThat(ua.protocol()).isIn("TLSv1.2", "TLSv1.3");

                Response challenge = ua.register(1, null);
                assertThat(challenge.getStatusCode()).isEqualTo(401);
                WWWAuthenticateHeader www = (WWWAuthenticateHeader) challenge.getHeader(WWWAuthenticateHeader.NAME);
                assertThat(www.getRealm()).isEqualTo(DOMAIN);

                Response wrong = ua.register(2, ua.authorization(www, "wrong"));
                assertThat(wrong.getStatusCode()).as("a wrong password over TLS").isEqualTo(401);

                Response ok = ua.register(3, ua.authorization(www, "pw" + user));
                assertThat(ok.getStatusCode()).isEqualTo(200);
                ContactHeader contact = (ContactHeader) ok.getHeader(ContactHeader.NAME);
                assertThat(((SipURI) contact.getAddress().getURI()).getTransportParam()).isEqualToIgnoringCase("tls");
                assertThat(((SipURI) contact.getAddress().getURI()).getPort()).isEqualTo(ua.localPort());

                // bound to the TLS socket it came in on, and replicated to the other server
                assertThat(server.kamcmd("ul.lookup", "location", user))
                        .contains("tls:" + server.host() + ":" + server.tlsPort());
                assertThat(other.awaitBinding(user, ANSWER)).as(user + " replicated to the " + other.name()).isTrue();
            }
        }
    }

    @Test
    @Order(9)
    void aKamailioThatCannotLoadTheTlsModuleStartsWithoutTlsAndSaysWhy() throws IOException {
        String cfg;
        try (InputStream in = KamailioPairIT.class.getResourceAsStream("/kamailio/kamailio.cfg")) {
            cfg = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(cfg).contains("loadmodule \"tls.so\"");
        Path broken = Files.createTempFile("sipfleet-kamailio-no-tls-", ".cfg");
        try {
            Files.writeString(broken, cfg.replace("loadmodule \"tls.so\"", "loadmodule \"sipfleet-no-such-tls.so\""));
            try (KamailioPair noTls = KamailioPair.builder().primary("127.0.0.4", 0).backup("127.0.0.5", 0)
                    .configFile(broken).start()) {
                assertThat(noTls.supportsTls()).isFalse();
                assertThat(noTls.tlsUnavailableReason()).containsIgnoringCase("tls");
                assertThatThrownBy(() -> noTls.primary().tlsPort()).isInstanceOf(IllegalStateException.class);
                assertThat(noTls.primary().answersOptions(ANSWER)).isTrue();
                assertThat(noTls.backup().answersOptions(ANSWER)).isTrue();
            }
        } finally {
            Files.deleteIfExists(broken);
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * A SIP UA over one TLS connection from 127.0.0.1 to a server's TLS port, trusting the simulator's
     * certificate (and checking it names the server's address): requests made with JAIN-SIP's
     * factories, responses parsed by JAIN-SIP's message factory.
     */
    static final class TlsUa implements AutoCloseable {
        private static final SipFactory SIP = SipFactory.getInstance();
        final String user;
        final Server server;
        final SSLSocket socket;
        final InputStream in;
        final String callId = UUID.randomUUID() + "@sipfleet-it-tls";
        final String fromTag = tag();
        final AddressFactory addresses;
        final HeaderFactory headers;
        final MessageFactory messages;

        TlsUa(String user, Server server) throws Exception {
            this.user = user;
            this.server = server;
            SIP.setPathName("gov.nist");
            this.addresses = SIP.createAddressFactory();
            this.headers = SIP.createHeaderFactory();
            this.messages = SIP.createMessageFactory();
            SSLSocket s = (SSLSocket) TlsMaterial.generated().sslContext().getSocketFactory().createSocket();
            SSLParameters params = s.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.x
            s.setSSLParameters(params);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            s.connect(server.tlsAddress(), 2000);
            s.setSoTimeout((int) ANSWER.toMillis());
            s.startHandshake();
            this.socket = s;
            this.in = s.getInputStream();
        }

        int localPort() {
            return socket.getLocalPort();
        }

        java.security.cert.Certificate peerCertificate() throws IOException {
            return socket.getSession().getPeerCertificates()[0];
        }

        String protocol() {
            return socket.getSession().getProtocol();
        }

        /** REGISTER (CSeq {@code cseq}, with {@code authorization} if not null): its final response. */
        Response register(long cseq, AuthorizationHeader authorization) throws Exception {
            SipURI requestUri = addresses.createSipURI(null, server.host());
            requestUri.setPort(server.tlsPort());
            requestUri.setTransportParam("tls");
            SipURI aor = addresses.createSipURI(user, DOMAIN);
            FromHeader from = headers.createFromHeader(addresses.createAddress(aor), fromTag);
            ToHeader to = headers.createToHeader(addresses.createAddress(aor), null);
            CallIdHeader callIdHeader = headers.createCallIdHeader(callId);
            CSeqHeader cseqHeader = headers.createCSeqHeader(cseq, Request.REGISTER);
            ViaHeader via = headers.createViaHeader("127.0.0.1", localPort(), "TLS", branch());
            via.setRPort();
            Request register = messages.createRequest(requestUri, Request.REGISTER, callIdHeader, cseqHeader, from, to,
                    List.of(via), headers.createMaxForwardsHeader(70));
            SipURI contactUri = addresses.createSipURI(user, "127.0.0.1");
            contactUri.setPort(localPort());
            contactUri.setTransportParam("tls");
            register.addHeader(headers.createContactHeader(addresses.createAddress(contactUri)));
            register.addHeader(headers.createExpiresHeader(300));
            if (authorization != null) {
                register.addHeader(authorization);
            }
            socket.getOutputStream().write(register.toString().getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            while (true) {
                Response response = readResponse();
                if (response.getStatusCode() >= 200
                        && callId.equals(((CallIdHeader) response.getHeader(CallIdHeader.NAME)).getCallId())
                        && ((CSeqHeader) response.getHeader(CSeqHeader.NAME)).getSeqNumber() == cseq) {
                    return response;
                }
            }
        }

        /** A Digest Authorization for REGISTER to this server's TLS URI, answering {@code challenge}. */
        AuthorizationHeader authorization(WWWAuthenticateHeader challenge, String password) throws Exception {
            String uri = "sip:" + server.host() + ":" + server.tlsPort() + ";transport=tls";
            String ha1 = md5(user + ":" + challenge.getRealm() + ":" + password);
            String ha2 = md5(Request.REGISTER + ":" + uri);
            AuthorizationHeader a = headers.createAuthorizationHeader("Digest");
            a.setUsername(user);
            a.setRealm(challenge.getRealm());
            a.setNonce(challenge.getNonce());
            a.setURI(addresses.createURI(uri));
            a.setAlgorithm("MD5");
            String qop = challenge.getQop();
            if (qop != null && List.of(qop.split(",")).stream().map(String::trim).anyMatch("auth"::equals)) {
                String cnonce = tag();
                String nc = "00000001";
                a.setQop("auth");
                a.setNonceCount(1);
                a.setCNonce(cnonce);
                a.setResponse(md5(ha1 + ":" + challenge.getNonce() + ":" + nc + ":" + cnonce + ":auth:" + ha2));
            } else {
                a.setResponse(md5(ha1 + ":" + challenge.getNonce() + ":" + ha2));
            }
            if (challenge.getOpaque() != null) {
                a.setOpaque(challenge.getOpaque());
            }
            return a;
        }

        /**
         * The next message on the stream, parsed by JAIN-SIP: the head up to the blank line, then as
         * many body bytes as its Content-Length says.
         */
        private Response readResponse() throws Exception {
            java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException(server + " closed the TLS connection");
                }
                if (head.size() == 0 && (b == '\r' || b == '\n')) {
                    continue; // keep-alive CRLFs between messages
                }
                head.write(b);
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            Response response = messages.createResponse(head.toString(StandardCharsets.UTF_8));
            ContentLengthHeader length = response.getContentLength();
            if (length != null && length.getContentLength() > 0) {
                response.setContent(in.readNBytes(length.getContentLength()),
                        headers.createContentTypeHeader("application", "octet-stream"));
            }
            return response;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** bob INVITEs callee through {@code via}, the INVITE reaches callee, who answers 486. */
    private static Msg inviteReaches(Server via, Ua caller, Ua callee) throws IOException {
        String callId = UUID.randomUUID() + "@sipfleet-it";
        String rUri = "sip:" + callee.user + "@" + via.hostPort();
        String b1 = branch();
        Msg challenge = caller.awaitFinal(via, caller.inviteText(via, callee.user, 1, null, b1, callId), ANSWER)
                .orElseThrow(() -> new AssertionError("no answer to the INVITE via " + via));
        assertThat(challenge.status()).isEqualTo(407);
        caller.send(via, caller.ackText(via, callee.user, 1, b1, callId, challenge.header("To")));
        String auth = digest(challenge.header("Proxy-Authenticate"), caller.user, "pw" + caller.user, "INVITE", rUri);
        String b2 = branch();
        caller.send(via, caller.inviteText(via, callee.user, 2, "Proxy-Authorization: " + auth, b2, callId));

        Msg invite = callee.receive(ANSWER, m -> m.isRequest("INVITE") && callId.equals(m.header("Call-ID")))
                .orElseThrow(() -> new AssertionError("the INVITE via " + via + " did not reach " + callee.user));
        assertThat(invite.firstLine()).startsWith("INVITE sip:" + callee.user + "@127.0.0.1:" + callee.port());

        // the callee is busy: 486 back along the Via path
        StringBuilder busy = new StringBuilder("SIP/2.0 486 Busy Here\r\n");
        for (String v : invite.headers("Via")) {
            busy.append("Via: ").append(v).append("\r\n");
        }
        busy.append("From: ").append(invite.header("From")).append("\r\n")
                .append("To: ").append(invite.header("To")).append(";tag=").append(tag()).append("\r\n")
                .append("Call-ID: ").append(callId).append("\r\n")
                .append("CSeq: ").append(invite.header("CSeq")).append("\r\n")
                .append("Content-Length: 0\r\n\r\n");
        callee.send(via, busy.toString());
        Msg result = caller.receive(ANSWER, m -> m.status() >= 200 && callId.equals(m.header("Call-ID"))
                        && m.header("CSeq").startsWith("2 "))
                .orElseThrow(() -> new AssertionError("no final answer to the authorised INVITE via " + via));
        assertThat(result.status()).isEqualTo(486);
        caller.send(via, caller.ackText(via, callee.user, 2, b2, callId, result.header("To")));
        return invite;
    }

    /** A Digest Authorization / Proxy-Authorization value for a challenge header. */
    static String digest(String challenge, String user, String password, String method, String uri) {
        Map<String, String> p = new HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=(\"([^\"]*)\"|[^,\\s]+)").matcher(challenge);
        while (m.find()) {
            p.put(m.group(1).toLowerCase(Locale.ROOT), m.group(3) != null ? m.group(3) : m.group(2));
        }
        String realm = p.get("realm");
        String nonce = p.get("nonce");
        String ha1 = md5(user + ":" + realm + ":" + password);
        String ha2 = md5(method + ":" + uri);
        StringBuilder h = new StringBuilder("Digest username=\"").append(user).append("\", realm=\"").append(realm)
                .append("\", nonce=\"").append(nonce).append("\", uri=\"").append(uri).append("\", algorithm=MD5");
        String qop = p.get("qop");
        if (qop != null && List.of(qop.split(",")).stream().map(String::trim).anyMatch("auth"::equals)) {
            String cnonce = Long.toHexString(ThreadLocalRandom.current().nextLong());
            String nc = "00000001";
            h.append(", qop=auth, nc=").append(nc).append(", cnonce=\"").append(cnonce).append("\", response=\"")
                    .append(md5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)).append('"');
        } else {
            h.append(", response=\"").append(md5(ha1 + ":" + nonce + ":" + ha2)).append('"');
        }
        if (p.containsKey("opaque")) {
            h.append(", opaque=\"").append(p.get("opaque")).append('"');
        }
        return h.toString();
    }

    private static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String branch() {
        return "z9hG4bK" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    private static String tag() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A received SIP message (text, just enough parsing for this test). */
    record Msg(String text) {
        String firstLine() {
            int end = text.indexOf("\r\n");
            return end < 0 ? text : text.substring(0, end);
        }

        int status() {
            return firstLine().startsWith("SIP/2.0 ") ? Integer.parseInt(firstLine().substring(8, 11)) : -1;
        }

        boolean isRequest(String method) {
            return firstLine().startsWith(method + " ");
        }

        List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            String head = text.split("\r\n\r\n", 2)[0];
            String[] lines = head.split("\r\n");
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase(name)) {
                    for (String v : lines[i].substring(colon + 1).split(",(?=\\s*SIP/2\\.0/)")) {
                        values.add(v.trim());
                    }
                }
            }
            return values;
        }

        String header(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? "" : values.get(0);
        }
    }

    /** A raw-UDP user agent on 127.0.0.1 (one DatagramSocket, hand-built messages). */
    static final class Ua implements AutoCloseable {
        final String user;
        final DatagramSocket socket;
        final String callId = UUID.randomUUID() + "@sipfleet-it";
        final String fromTag = tag();

        Ua(String user) throws IOException {
            this.user = user;
            this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        int port() {
            return socket.getLocalPort();
        }

        String register(Server server, int cseq, String authHeader) {
            return "REGISTER sip:" + server.hostPort() + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:" + port() + ";branch=" + branch() + ";rport\r\n"
                    + "Max-Forwards: 70\r\n"
                    + "From: <sip:" + user + "@" + DOMAIN + ">;tag=" + fromTag + "\r\n"
                    + "To: <sip:" + user + "@" + DOMAIN + ">\r\n"
                    + "Call-ID: " + callId + "\r\n"
                    + "CSeq: " + cseq + " REGISTER\r\n"
                    + "Contact: <sip:" + user + "@127.0.0.1:" + port() + ">\r\n"
                    + (authHeader == null ? "" : authHeader + "\r\n")
                    + "Expires: 300\r\n"
                    + "Content-Length: 0\r\n\r\n";
        }

        /** REGISTER, 401, REGISTER with credentials: the final answer to the second one. */
        Msg registerWithAuth(Server server) throws IOException {
            Msg challenge = request(server, register(server, 1, null), ANSWER)
                    .orElseThrow(() -> new AssertionError(server + " did not answer " + user + "'s REGISTER"));
            assertThat(challenge.status()).isEqualTo(401);
            String auth = digest(challenge.header("WWW-Authenticate"), user, "pw" + user, "REGISTER",
                    "sip:" + server.hostPort());
            return request(server, register(server, 2, "Authorization: " + auth), ANSWER)
                    .orElseThrow(() -> new AssertionError(server + " did not answer " + user + "'s authorised REGISTER"));
        }

        String inviteText(Server via, String callee, int cseq, String authHeader, String branch) {
            return inviteText(via, callee, cseq, authHeader, branch, UUID.randomUUID() + "@sipfleet-it");
        }

        String inviteText(Server via, String callee, int cseq, String authHeader, String branch, String callId) {
            return "INVITE sip:" + callee + "@" + via.hostPort() + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:" + port() + ";branch=" + branch + ";rport\r\n"
                    + "Max-Forwards: 70\r\n"
                    + "From: <sip:" + user + "@" + DOMAIN + ">;tag=" + fromTag + "\r\n"
                    + "To: <sip:" + callee + "@" + DOMAIN + ">\r\n"
                    + "Call-ID: " + callId + "\r\n"
                    + "CSeq: " + cseq + " INVITE\r\n"
                    + "Contact: <sip:" + user + "@127.0.0.1:" + port() + ">\r\n"
                    + (authHeader == null ? "" : authHeader + "\r\n")
                    + "Content-Length: 0\r\n\r\n";
        }

        String ackText(Server via, String callee, int cseq, String branch, String callId, String to) {
            return "ACK sip:" + callee + "@" + via.hostPort() + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:" + port() + ";branch=" + branch + ";rport\r\n"
                    + "Max-Forwards: 70\r\n"
                    + "From: <sip:" + user + "@" + DOMAIN + ">;tag=" + fromTag + "\r\n"
                    + "To: " + to + "\r\n"
                    + "Call-ID: " + callId + "\r\n"
                    + "CSeq: " + cseq + " ACK\r\n"
                    + "Content-Length: 0\r\n\r\n";
        }

        /** An authorised INVITE to {@code callee} via {@code server}: its final answer after the 407. */
        Msg invite(Server server, String callee) throws IOException {
            String callId = UUID.randomUUID() + "@sipfleet-it";
            String b1 = branch();
            Msg challenge = awaitFinal(server, inviteText(server, callee, 1, null, b1, callId), ANSWER).orElseThrow();
            assertThat(challenge.status()).isEqualTo(407);
            send(server, ackText(server, callee, 1, b1, callId, challenge.header("To")));
            String auth = digest(challenge.header("Proxy-Authenticate"), user, "pw" + user, "INVITE",
                    "sip:" + callee + "@" + server.hostPort());
            String b2 = branch();
            Msg result = awaitFinal(server, inviteText(server, callee, 2, "Proxy-Authorization: " + auth, b2, callId),
                    ANSWER).orElseThrow();
            send(server, ackText(server, callee, 2, b2, callId, result.header("To")));
            return result;
        }

        void send(Server server, String text) throws IOException {
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(bytes, bytes.length, server.address()));
        }

        /** Sends a request and waits for its final response (same Call-ID and CSeq). */
        Optional<Msg> request(Server server, String text, Duration timeout) throws IOException {
            return awaitFinal(server, text, timeout);
        }

        Optional<Msg> awaitFinal(Server server, String text, Duration timeout) throws IOException {
            Msg sent = new Msg(text);
            send(server, text);
            return receive(timeout, m -> m.status() >= 200 && m.header("Call-ID").equals(sent.header("Call-ID"))
                    && m.header("CSeq").equals(sent.header("CSeq")));
        }

        /** Sends a request and waits for any response to it (a 100 Trying counts). */
        Optional<Msg> awaitAny(Server server, String text, Duration timeout) throws IOException {
            Msg sent = new Msg(text);
            send(server, text);
            return receive(timeout, m -> m.status() > 0 && m.header("Call-ID").equals(sent.header("Call-ID")));
        }

        /** The first message matching {@code wanted} within {@code timeout}; others are dropped. */
        Optional<Msg> receive(Duration timeout, Predicate<Msg> wanted) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] buf = new byte[65535];
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return Optional.empty();
                }
                socket.setSoTimeout((int) Math.max(1, left));
                DatagramPacket packet = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    return Optional.empty();
                }
                Msg msg = new Msg(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII));
                if (wanted.test(msg)) {
                    return Optional.of(msg);
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
