package io.sipfleet.simulator.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.simulator.fleet.FleetEvent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A relay's clients as phones, from JAIN-SIP-parsed messages fed as the relays' taps feed them: one phone across two
 * relays (one AOR), its state and events at the instants of the messages, retransmissions counted, bounds.
 */
class ObservedPhonesTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final ObservedPhones phones = new ObservedPhones(now::get, 3);
    private final WireMessage.Tap p = phones.tap("p", "primary", "127.0.0.2:5060");
    private final WireMessage.Tap b = phones.tap("b", "backup", "127.0.0.3:5060");

    private static String register(String user, String relayPort, String callId, int cseq) {
        return "REGISTER sip:127.0.0.1:" + relayPort + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:7000;branch=z9hG4bK" + callId + cseq + "\r\n"
                + "From: <sip:" + user + "@127.0.0.1:" + relayPort + ">;tag=a1\r\n"
                + "To: <sip:" + user + "@127.0.0.1:" + relayPort + ">\r\n"
                + "Call-ID: " + callId + "\r\nCSeq: " + cseq + " REGISTER\r\n"
                + "Contact: <sip:" + user + "@127.0.0.1:7000>\r\nExpires: 120\r\nMax-Forwards: 70\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    private static String answer(int status, String user, String callId, int cseq, String method, int expires) {
        return "SIP/2.0 " + status + " X\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:7000;branch=z9hG4bK" + callId + cseq + "\r\n"
                + "From: <sip:" + user + "@127.0.0.1>;tag=a1\r\nTo: <sip:" + user + "@127.0.0.1>;tag=s1\r\n"
                + "Call-ID: " + callId + "\r\nCSeq: " + cseq + " " + method + "\r\n"
                + (expires >= 0 ? "Contact: <sip:" + user + "@127.0.0.1:7000>;expires=" + expires + "\r\n" : "")
                + "Content-Length: 0\r\n\r\n";
    }

    private void feed(WireMessage.Tap tap, String text, boolean fromClient, boolean delivered) throws Exception {
        tap.observed(WireMessage.of(RelaySip.parse(text.getBytes(StandardCharsets.UTF_8)), now.get(), fromClient,
                delivered, "127.0.0.1:7000", "UDP"));
    }

    @Test
    void theSameAorThroughTwoRelaysIsOnePhoneThatFailsOverAtTheInstantItsRegisterReachesTheBackup() throws Exception {
        feed(p, register("2001", "5080", "c1", 1), true, true);
        feed(p, answer(200, "2001", "c1", 1, "REGISTER", 120), false, true);
        ObservedPhone phone = phones.get("2001@127.0.0.1").orElseThrow();
        assertThat(phone.brief().state()).isEqualTo(LineState.REGISTERED);
        assertThat(phone.brief().activeServer()).isEqualTo("primary");

        now.addAndGet(10_000);
        feed(p, register("2001", "5080", "c1", 2), true, true);   // refresh: the primary is silent
        now.addAndGet(500);
        feed(p, register("2001", "5080", "c1", 2), true, true);   // its retransmission
        now.addAndGet(7_000);
        long failoverAt = now.get();
        feed(b, register("2001", "5082", "c1", 3), true, true);   // the backup, through the other relay
        assertThat(phone.brief().state()).as("not registered on the backup yet").isEqualTo(LineState.REGISTERING);
        now.addAndGet(5);
        feed(b, answer(401, "2001", "c1", 3, "REGISTER", -1), false, true);
        feed(b, register("2001", "5082", "c1", 4), true, true);
        now.addAndGet(5);
        long registeredAt = now.get();
        feed(b, answer(200, "2001", "c1", 4, "REGISTER", 120), false, true);

        assertThat(phones.fleet(null)).as("one phone").containsExactly(phone);
        assertThat(phones.fleet("relay:p")).containsExactly(phone);
        assertThat(phones.fleet("relay:b")).containsExactly(phone);
        assertThat(phone.brief().activeServer()).isEqualTo("backup");
        assertThat(phone.events(0)).extracting(FleetEvent::event).extracting(PhoneEvent::type)
                .containsExactly("registering", "registered", "failover", "registered");
        PhoneEvent.Failover f = (PhoneEvent.Failover) phone.events(0).get(2).event();
        assertThat(f.at()).isEqualTo(failoverAt);
        assertThat(f.from().role()).isEqualTo("primary");
        assertThat(f.to().role()).isEqualTo("backup");
        assertThat(f.request()).isEqualTo("REGISTER");
        assertThat(f.reason()).isEqualTo("timeout");
        assertThat(phone.events(0).get(3).event().at()).isEqualTo(registeredAt);
        var stats = phone.view().requests();
        assertThat(stats.get("primary").get("REGISTER").sends()).isEqualTo(3);
        assertThat(stats.get("primary").get("REGISTER").transactions()).isEqualTo(2);
        assertThat(stats.get("backup").get("REGISTER").transactions()).isEqualTo(2);
        assertThat(phone.view().home()).isEqualTo("primary");
    }

    @Test
    void aRegisterBackToThePrimaryIsAProbeAndIts200AFailback() throws Exception {
        feed(p, register("2002", "5080", "d1", 1), true, true);
        feed(b, register("2002", "5082", "d1", 2), true, true);
        feed(b, answer(200, "2002", "d1", 2, "REGISTER", 120), false, true);
        now.addAndGet(1_800);
        feed(p, register("2002", "5080", "d2", 1), true, true);
        feed(p, answer(200, "2002", "d2", 1, "REGISTER", 120), false, true);
        ObservedPhone phone = phones.get("2002@127.0.0.1").orElseThrow();
        assertThat(phone.events(0)).extracting(FleetEvent::event).extracting(PhoneEvent::type)
                .containsExactly("registering", "failover", "registered", "failback-probe", "failback", "registered");
        assertThat(phone.brief().activeServer()).isEqualTo("primary");
    }

    @Test
    void a503AnswerIsTheFailoversReasonAndAnAnswerTheRelayDroppedNeverReachedThePhone() throws Exception {
        feed(p, register("2003", "5080", "e1", 1), true, true);
        feed(p, answer(200, "2003", "e1", 1, "REGISTER", 120), false, false); // dropped by a fault
        ObservedPhone phone = phones.get("2003@127.0.0.1").orElseThrow();
        assertThat(phone.brief().state()).isEqualTo(LineState.REGISTERING);
        feed(p, register("2003", "5080", "e1", 2), true, true);
        feed(p, answer(503, "2003", "e1", 2, "REGISTER", -1), false, true);
        assertThat(phone.brief().state()).isEqualTo(LineState.FAILED);
        feed(b, register("2003", "5082", "e1", 3), true, true);
        PhoneEvent.Failover f = (PhoneEvent.Failover) phone.events(0).get(1).event();
        assertThat(f.reason()).isEqualTo("503");
    }

    @Test
    void phonesAreBoundedAndARelayStoppedTakesItsPhonesAlong() throws Exception {
        for (int u = 1; u <= 5; u++) {
            feed(p, register("30" + u, "5080", "f" + u, 1), true, true);
        }
        assertThat(phones.size()).isEqualTo(3);
        assertThat(phones.forgotten()).isEqualTo(2);
        assertThat(phones.get("301@127.0.0.1")).as("the least recently seen forgotten").isEmpty();
        phones.forgetRelay("p");
        assertThat(phones.size()).isZero();
    }
}
