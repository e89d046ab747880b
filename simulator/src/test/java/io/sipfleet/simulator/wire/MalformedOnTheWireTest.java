package io.sipfleet.simulator.wire;

import static io.sipfleet.device.FirmwareProfile.V3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sipfleet.device.config.Transport;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneEvent.Failover;
import io.sipfleet.device.event.PhoneEvent.Registered;
import io.sipfleet.device.event.PhoneEvent.Registering;
import io.sipfleet.simulator.builtin.RawSip;
import io.sipfleet.simulator.builtin.RawSip.Msg;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.sip.MalformedMessages;
import io.sipfleet.simulator.testing.MalformedCorpus;
import io.sipfleet.simulator.testing.MalformedCorpus.Entry;
import io.sipfleet.simulator.testing.Hostile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hostile peer against the phones on the real wire, with the torture corpus of
 * {@code src/test/resources/malformed} (its README says what each message breaks and how many
 * malformed messages it makes): as the answers of a phone's primary to its REGISTER, over UDP and TCP,
 * and as requests to the phones' stack, over UDP and on TCP connections the peer opens. Every message
 * is counted exactly as the corpus says, under the transport and the peer's {@code host:port}, and
 * nothing else is; each phone whose primary answers only garbage fails over to the built-in backup at
 * the §5 budget (V3, R = 3, T1 = 50 ms: 750 ms, within 20% of T1) and registers there; a phone on a
 * healthy server sees none of it.
 */
class MalformedOnTheWireTest {
    private static final long BUDGET = FailoverOnTheWireScenarios.V3_BUDGET;
    private static final long TOLERANCE = FailoverOnTheWireScenarios.TOLERANCE;
    private static final long WAIT = 5_000;
    private static final String HOSTILE = Hostile.HOST;

    private static RedundantPair pair;
    private static WireRig rig;
    private static PhoneHandle healthy;
    private static int fleets;

    @BeforeAll
    static void up() throws Exception {
        pair = new BuiltinPair();
        rig = new WireRig(FailoverOnTheWireScenarios.T1);
        FailoverOnTheWireScenarios.warmUp(pair, rig);
        healthy = rig.fleet("healthy", pair, V3, 1, FailoverOnTheWireScenarios.users(1), Transport.UDP, l -> l)
                .phones().get(0);
        rig.await(healthy, Registered.class, WAIT);
    }

    @AfterAll
    static void down() {
        if (rig != null) {
            rig.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    /** The phone on the healthy primary registered there once and nothing has happened to it since. */
    @AfterEach
    void theHealthyPhoneIsUntouched() {
        List<PhoneEvent> events = rig.events(healthy.id());
        // a sent-late event is the simulator saying its own send left late (a busy build machine), not something
        // the hostile peer did to this phone
        assertThat(events).filteredOn(e -> !(e instanceof Registering) && !(e instanceof PhoneEvent.SentLate))
                .singleElement()
                .isInstanceOfSatisfying(Registered.class, r -> assertThat(r.server().role()).isEqualTo("primary"));
        assertThat(healthy.view().line(1).activeServer()).isEqualTo("primary");
    }

    // ---- answers to REGISTER ---------------------------------------------------------------------

    @Test
    void everyMalformedAnswerToRegisterOverUdpIsCountedOnceAndThePhonesFailOverAtTheBudget() throws Exception {
        try (RawSip.Udp server = new RawSip.Udp(HOSTILE)) {
            Hostile.Count count = new Hostile.Count(rig.malformed(), "udp", server.hostPort());
            Set<String> answered = new HashSet<>();
            List<Victim> victims = new ArrayList<>();
            for (Entry e : MalformedCorpus.responses()) {
                if (e.udp() == null) {
                    continue;
                }
                PhoneHandle phone = phoneOn(server.port(), Transport.UDP);
                Msg register = server.expect(m -> "REGISTER".equals(m.method())
                        && !answered.contains(m.header("Call-ID")), WAIT, "a REGISTER from " + phone.id());
                answered.add(register.header("Call-ID"));
                server.sendBytes(e.render(Hostile.answering(register)), register.from);
                count.awaitMore(e, e.udp());
                Hostile.sentinel(server, rig.sipHost(), rig.sipPort(), contact());
                count.assertExact(e);
                victims.add(new Victim(e, phone));
            }
            assertThat(victims).hasSizeGreaterThan(10);
            everyPhoneFailedOverAtTheBudget(victims);
            count.assertExact("after every phone failed over");
        }
    }

    @Test
    void everyMalformedAnswerToRegisterOverTcpIsCountedOnceAndThePhonesFailOverAtTheBudget() throws Exception {
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(HOSTILE, 0));
            listener.setSoTimeout((int) WAIT);
            Hostile.Count count = new Hostile.Count(rig.malformed(), "tcp", HOSTILE + ":" + listener.getLocalPort());
            List<Victim> victims = new ArrayList<>();
            RawSip.Tcp connection = null;
            int connections = 0;
            int closedBeforeAnother = 0;
            for (Entry e : MalformedCorpus.responses()) {
                if (e.tcp() == null) {
                    continue;
                }
                if (connection == null && connections > 0) {
                    closedBeforeAnother++;
                }
                PhoneHandle phone = phoneOn(listener.getLocalPort(), Transport.TCP);
                if (connection == null) {
                    connection = new RawSip.Tcp(listener.accept()); // the phones' stack connects again
                    connections++;
                }
                Msg register = Hostile.expect(connection, m -> "REGISTER".equals(m.method()), WAIT,
                        "a REGISTER from " + phone.id());
                connection.sendBytes(e.render(Hostile.answering(register)));
                count.awaitMore(e, e.tcp());
                connection = Hostile.afterMessage(e, connection, "TCP", contact(), count);
                victims.add(new Victim(e, phone));
            }
            assertThat(victims).hasSizeGreaterThan(10);
            assertThat(connections).as("connections: the first, and one after each the stack closed")
                    .isEqualTo(1 + closedBeforeAnother);
            if (connection != null) {
                connection.close();
            }
            everyPhoneFailedOverAtTheBudget(victims);
            count.assertExact("after every phone failed over");
        }
    }

    // ---- requests to the phones' stack ---------------------------------------------------------

    @Test
    void everyMalformedRequestOverUdpIsCountedOnceAndWellFormedOnesAreAnswered() throws Exception {
        try (RawSip.Udp peer = new RawSip.Udp(HOSTILE)) {
            Hostile.Count count = new Hostile.Count(rig.malformed(), "udp", peer.hostPort());
            int sent = 0;
            for (Entry e : MalformedCorpus.requests()) {
                if (e.udp() == null) {
                    continue;
                }
                Map<String, String> values = Hostile.requestValues("UDP", peer.hostPort(),
                        rig.sipHost() + ":" + rig.sipPort(), contact());
                peer.sendBytes(e.render(values), rig.sipHost(), rig.sipPort());
                Integer status = Hostile.answeredWith(e);
                if (status != null) {
                    String callId = "hostile-" + values.get("n") + "@" + peer.hostPort();
                    peer.expect(m -> m.isResponse() && m.status() == status && callId.equals(m.header("Call-ID")),
                            WAIT, status + " to " + e.file());
                }
                count.awaitMore(e, e.udp());
                Hostile.sentinel(peer, rig.sipHost(), rig.sipPort(), contact());
                count.assertExact(e);
                sent++;
            }
            assertThat(sent).isGreaterThan(10);
        }
    }

    @Test
    void everyMalformedRequestOverTcpIsCountedOnceUnderItsConnection() throws Exception {
        int sent = 0;
        for (Entry e : MalformedCorpus.requests()) {
            if (e.tcp() == null) {
                continue;
            }
            // a connection of its own: what the stack closes does not hold up the next message
            RawSip.Tcp peer = new RawSip.Tcp(RawSip.Tcp.connect(HOSTILE, rig.sipHost(), rig.sipPort()));
            Hostile.Count count = new Hostile.Count(rig.malformed(), "tcp", peer.hostPort());
            Map<String, String> values = Hostile.requestValues("TCP", peer.hostPort(),
                    rig.sipHost() + ":" + rig.sipPort(), contact());
            peer.sendBytes(e.render(values));
            Integer status = Hostile.answeredWith(e);
            if (status != null) {
                Msg answer = Hostile.expect(peer, Msg::isResponse, WAIT, "the answer to " + e.file());
                assertThat(answer.status()).as(e.file()).isEqualTo(status);
            }
            count.awaitMore(e, e.tcp());
            RawSip.Tcp still = Hostile.afterMessage(e, peer, "TCP", contact(), count);
            if (still != null) {
                still.close();
            }
            sent++;
        }
        assertThat(sent).isGreaterThan(10);
    }

    // ---- answers to the ICMP probes -------------------------------------------------------------

    /**
     * A server that answers the sender of every datagram also answers the phones' ICMP probes, on a
     * socket the stack never reads: the malformed answers are counted there (a CRLF pong and a
     * well-formed message are not).
     */
    @Test
    void malformedAnswersToTheIcmpProbesAreCountedToo() throws Exception {
        try (RawSip.Udp server = new RawSip.Udp(HOSTILE)) {
            Hostile.Count count = new Hostile.Count(rig.malformed(), "udp", server.hostPort());
            PhoneHandle phone = phoneOn(server.port(), Transport.UDP);
            Msg probe = server.expect(m -> m.from instanceof InetSocketAddress a && a.getPort() != rig.sipPort(),
                    WAIT, "an ICMP probe from the phones' stack");
            byte[] garbage = MalformedCorpus.all().stream().filter(x -> x.file().equals("garbage-binary.bin"))
                    .findFirst().orElseThrow().template();
            server.sendBytes(garbage, probe.from);
            count.awaitMore("garbage to the probe", 1);
            server.sendBytes("\r\n".getBytes(StandardCharsets.US_ASCII), probe.from); // a pong: not counted
            server.sendBytes(("OPTIONS sip:x@" + rig.sipHost() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + server.hostPort()
                    + ";branch=z9hG4bK-p1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: p1\r\n"
                    + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII), probe.from);
            server.sendBytes(new byte[] {0, 0, 0}, probe.from); // read after the two above: one socket, one reader
            count.awaitMore("NULs to the probe", 1);
            count.assertExact("the pong and the well-formed message not counted");
            rig.await(phone, Failover.class, WAIT);
        }
    }

    // ---- the cap on peer addresses --------------------------------------------------------------

    @Test
    void peersBeyondTheCapAreCountedAsOther() {
        MalformedMessages m = new MalformedMessages(3);
        for (int port = 1; port <= 5; port++) {
            m.count("UDP", "127.0.0.9:" + port);
        }
        m.count("tcp", "127.0.0.9:1");
        m.count("tls", "127.0.0.9:6");
        assertThat(m.snapshot()).containsOnly(
                Map.entry(new MalformedMessages.Source("udp", "127.0.0.9:1"), 1L),
                Map.entry(new MalformedMessages.Source("udp", "127.0.0.9:2"), 1L),
                Map.entry(new MalformedMessages.Source("udp", "127.0.0.9:3"), 1L),
                Map.entry(new MalformedMessages.Source("udp", MalformedMessages.OTHER), 2L),
                Map.entry(new MalformedMessages.Source("tcp", "127.0.0.9:1"), 1L),
                Map.entry(new MalformedMessages.Source("tls", MalformedMessages.OTHER), 1L));
        assertThat(m.total()).isEqualTo(7);
        assertThat(MalformedMessages.MAX_ADDRESSES).isEqualTo(100);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private record Victim(Entry message, PhoneHandle phone) {}

    /** A V3 phone whose primary is the hostile peer on {@code port} and whose backup is the built-in one. */
    private static PhoneHandle phoneOn(int port, Transport t) {
        return rig.fleet("hostile" + (++fleets), pair, V3, 1, FailoverOnTheWireScenarios.users(1), t,
                l -> l.registerAddr(HOSTILE).registerPort(port)).phones().get(0);
    }

    /** The healthy phone's contact: requests to the phones' stack are for it. */
    private static String contact() {
        return "sip:" + healthy.id() + "-L1@" + rig.sipHost() + ":" + rig.sipPort();
    }

    private static void everyPhoneFailedOverAtTheBudget(List<Victim> victims) {
        for (Victim v : victims) {
            long start = rig.await(v.phone(), Registering.class, WAIT).at();
            Failover f = rig.await(v.phone(), Failover.class, WAIT);
            Registered r = rig.await(v.phone(), Registered.class, WAIT);
            System.out.printf("[malformed] %s: failover at +%d ms (budget %d)%n", v.message(), f.at() - start, BUDGET);
            assertThat(f.reason()).as(v.message().file()).isEqualTo("timeout");
            assertThat(f.at() - start).as(v.message().file() + ": failover").isCloseTo(BUDGET, within(TOLERANCE));
            assertThat(r.server().role()).as(v.message().file() + ": registered on").isEqualTo("backup");
        }
    }
}
