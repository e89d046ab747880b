package io.sipfleet.simulator.tls;

import static io.sipfleet.device.FirmwareProfile.V3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneEvent.Failover;
import io.sipfleet.device.event.PhoneEvent.Registered;
import io.sipfleet.device.event.PhoneEvent.Registering;
import io.sipfleet.simulator.builtin.Accounts;
import io.sipfleet.simulator.builtin.BuiltinServerGroup;
import io.sipfleet.simulator.builtin.RawSip;
import io.sipfleet.simulator.builtin.RawSip.Msg;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.sip.TlsMaterial;
import io.sipfleet.simulator.testing.Hostile;
import io.sipfleet.simulator.testing.MalformedCorpus;
import io.sipfleet.simulator.testing.MalformedCorpus.Entry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The torture corpus of {@code src/test/resources/malformed} over TLS, from a hostile peer holding a
 * certificate the phones trust: as the answers of a TLS primary to a phone's REGISTER, and as requests
 * on TLS connections the peer opens to the phones' stack. Each message is counted as the corpus's
 * {@code tcp} column says, under transport {@code tls} and the peer's {@code host:port}; each phone fails
 * over to the built-in backup (over TLS) at the budget (750 ms, within 20% of T1 = 50 ms); a phone on the
 * healthy primary sees nothing.
 */
class MalformedOverTlsTest {
    static final long T1 = 50;
    static final long TOLERANCE = T1 / 5;
    static final long BUDGET = 750;
    private static final long WAIT = 5_000;
    private static final AtomicLong USERS = new AtomicLong(7600);

    private static BuiltinServerGroup group;
    private static TlsRig rig;
    private static SSLContext tls;
    private static PhoneHandle healthy;

    @BeforeAll
    static void start() throws Exception {
        group = new BuiltinServerGroup(BuiltinServerGroup.Config.primaryBackup(
                "127.0.0.2", TlsRig.freePortPair("127.0.0.2"), "127.0.0.3", TlsRig.freePortPair("127.0.0.3")),
                Accounts.withRule(u -> "pw" + u));
        rig = new TlsRig(T1);
        tls = TlsMaterial.generated().sslContext(); // the phones trust it: the hostile peer is an insider
        healthy = rig.fleet(V3, 1, USERS.getAndIncrement(), false,
                TlsFailoverOnTheWireTest.tls(group.server("primary"), group.server("backup"))).phones().get(0);
        rig.await(healthy, Registered.class, 10_000);
        // the JIT warm, the TLS connection to the backup made: the failovers below are timed
        PhoneHandle warm = rig.fleet(V3, 1, USERS.getAndIncrement(), false,
                TlsFailoverOnTheWireTest.tls(group.server("backup"), group.server("primary"))).phones().get(0);
        rig.await(warm, Registered.class, 10_000);
    }

    @AfterAll
    static void stop() {
        if (rig != null) {
            rig.close();
        }
        if (group != null) {
            group.close();
        }
    }

    @AfterEach
    void theHealthyPhoneIsUntouched() {
        List<PhoneEvent> events = rig.events(healthy.id());
        // a sent-late event is the simulator saying its own send left late (a busy build machine), not something
        // the hostile peer did to this phone
        assertThat(events).filteredOn(e -> !(e instanceof Registering) && !(e instanceof PhoneEvent.SentLate))
                .singleElement()
                .isInstanceOfSatisfying(Registered.class, r -> assertThat(r.server().role()).isEqualTo("primary"));
    }

    @Test
    void everyMalformedAnswerToRegisterOverTlsIsCountedOnceAndThePhonesFailOverAtTheBudget() throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getByName(Hostile.HOST))) {
            listener.setSoTimeout((int) WAIT);
            Hostile.Count count = new Hostile.Count(rig.signalling().malformed(), "tls",
                    Hostile.HOST + ":" + listener.getLocalPort());
            List<PhoneHandle> phones = new ArrayList<>();
            List<Entry> sent = new ArrayList<>();
            RawSip.Tcp connection = null;
            for (Entry e : MalformedCorpus.responses()) {
                if (e.tcp() == null) {
                    continue;
                }
                PhoneHandle phone = rig.fleet(V3, 1, USERS.getAndIncrement(), false, TlsFailoverOnTheWireTest
                        .tls(Hostile.HOST, listener.getLocalPort(), group.server("backup"))).phones().get(0);
                if (connection == null) {
                    connection = new RawSip.Tcp(listener.accept());
                }
                Msg register = Hostile.expect(connection, m -> "REGISTER".equals(m.method()), WAIT,
                        "a REGISTER from " + phone.id());
                connection.sendBytes(e.render(Hostile.answering(register)));
                count.awaitMore(e, e.tcp());
                connection = Hostile.afterMessage(e, connection, "TLS", contact(), count);
                phones.add(phone);
                sent.add(e);
            }
            if (connection != null) {
                connection.close();
            }
            assertThat(sent).hasSizeGreaterThan(10);
            for (int i = 0; i < phones.size(); i++) {
                PhoneHandle p = phones.get(i);
                long start = rig.await(p, Registering.class, WAIT).at();
                Failover f = rig.await(p, Failover.class, WAIT);
                Registered r = rig.await(p, Registered.class, WAIT);
                System.out.printf("[malformed] tls %s: failover at +%d ms (budget %d)%n", sent.get(i), f.at() - start,
                        BUDGET);
                assertThat(f.reason()).as(sent.get(i).file()).isEqualTo("timeout");
                assertThat(f.at() - start).as(sent.get(i).file()).isCloseTo(BUDGET, within(TOLERANCE));
                assertThat(r.server().role()).isEqualTo("backup");
            }
            count.assertExact("after every phone failed over");
        }
    }

    @Test
    void everyMalformedRequestOverTlsIsCountedOnceUnderItsConnection() throws Exception {
        String stack = rig.signalling().settings().bindAddress();
        int tlsPort = rig.signalling().settings().tlsPort();
        int sent = 0;
        for (Entry e : MalformedCorpus.requests()) {
            if (e.tcp() == null) {
                continue;
            }
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket();
            s.bind(new InetSocketAddress(Hostile.HOST, 0));
            s.connect(new InetSocketAddress(stack, tlsPort), (int) WAIT);
            s.startHandshake();
            RawSip.Tcp peer = new RawSip.Tcp(s);
            Hostile.Count count = new Hostile.Count(rig.signalling().malformed(), "tls", peer.hostPort());
            Map<String, String> values = Hostile.requestValues("TLS", peer.hostPort(), stack + ":" + tlsPort,
                    contact());
            peer.sendBytes(e.render(values));
            Integer status = Hostile.answeredWith(e);
            if (status != null) {
                Msg answer = Hostile.expect(peer, Msg::isResponse, WAIT, "the answer to " + e.file());
                assertThat(answer.status()).as(e.file()).isEqualTo(status);
            }
            count.awaitMore(e, e.tcp());
            RawSip.Tcp still = Hostile.afterMessage(e, peer, "TLS", contact(), count);
            if (still != null) {
                still.close();
            }
            sent++;
        }
        assertThat(sent).isGreaterThan(10);
    }

    private static String contact() {
        var s = rig.signalling().settings();
        return "sip:" + healthy.id() + "-L1@" + s.bindAddress() + ":" + s.tlsPort() + ";transport=tls";
    }
}
