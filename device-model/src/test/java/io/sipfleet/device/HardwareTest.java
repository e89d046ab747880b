package io.sipfleet.device;

import static io.sipfleet.device.FirmwareProfile.V3;
import static io.sipfleet.device.sip.Method.ACK;
import static io.sipfleet.device.sip.Method.BYE;
import static io.sipfleet.device.sip.Method.CANCEL;
import static io.sipfleet.device.sip.Method.INVITE;
import static io.sipfleet.device.testing.Sim.BACKUP;
import static io.sipfleet.device.testing.Sim.BACKUP_HOST;
import static io.sipfleet.device.testing.Sim.PRIMARY;
import static io.sipfleet.device.testing.Sim.PRIMARY_HOST;
import static io.sipfleet.device.virtual.SipWorld.Mode.SILENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sipfleet.device.Outputs.CallState;
import io.sipfleet.device.Outputs.Hook;
import io.sipfleet.device.Outputs.Led;
import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.Outputs.Tone;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneEvent.CallEnded;
import io.sipfleet.device.event.PhoneEvent.CallEstablished;
import io.sipfleet.device.event.PhoneEvent.CallFailed;
import io.sipfleet.device.event.PhoneEvent.CallIncoming;
import io.sipfleet.device.event.PhoneEvent.CallPlaced;
import io.sipfleet.device.event.PhoneEvent.CallRejected;
import io.sipfleet.device.event.PhoneEvent.Failover;
import io.sipfleet.device.event.PhoneEvent.HookChanged;
import io.sipfleet.device.event.PhoneEvent.KeyPressed;
import io.sipfleet.device.event.PhoneEvent.RegisterFailed;
import io.sipfleet.device.event.PhoneEvent.Registered;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.Purpose;
import io.sipfleet.device.testing.Sim;
import io.sipfleet.device.virtual.SipWorld;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * behaviour.md §11 (hook switch, keypad, display, LEDs, tones) with the events of §12, at exact
 * instants of virtual time (T1 = 500 ms, no latency: a server answers at the instant of the send).
 */
class HardwareTest {

    private static List<Key> dial(String keys) {
        return Key.parseDialString(keys, "keys");
    }

    private static InvalidInputException refused(ThrowingCallable call) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, call);
        assertThat(e).as("refused with an InvalidInputException").isNotNull();
        return e;
    }

    private static String bottom(Phone p) {
        return p.display().get(1);
    }

    /** {@code server@instant} of every {@code m} the phone sent. */
    private static List<String> sentBy(SipWorld world, String phone, Method m) {
        return world.packets(pk -> pk.phone().equals(phone) && pk.method() == m).stream()
                .map(pk -> pk.server() + "@" + pk.at()).toList();
    }

    // ---- off-hook, digits, # and SEND -----------------------------------------------------------------

    @Test
    void offHookWhileIdleGivesDialToneAndDialingThenDigitsCollectAndTheDialToneStopsAtTheFirstDigit() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        assertThat(p.callState()).isEqualTo(CallState.IDLE);
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.hookState()).isEqualTo(Hook.ON);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "");

        p.offHook();
        assertThat(p.hookState()).isEqualTo(Hook.OFF);
        assertThat(p.speaker()).isFalse();
        assertThat(p.tone()).isEqualTo(Tone.DIAL);
        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Dial: ");
        assertThat(p.view().line(1).led()).isEqualTo(Led.GREEN);
        HookChanged off = sim.first(p, HookChanged.class);
        assertThat(off.state()).isEqualTo("off");
        assertThat(off.at()).isEqualTo(1_000L);
        assertThat(off.line()).isEqualTo(1);
        assertThat(off.callId()).isNull();

        sim.advanceTo(1_200);
        p.press(Key.digit('1'));
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Dial: 1");

        sim.advanceTo(1_400);
        p.press(dial("00"));
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Dial: 100");
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(sim.events(p, KeyPressed.class)).extracting(e -> e.key() + "@" + e.at())
                .containsExactly("1@1200", "0@1400", "0@1400");
        PhoneView v = p.view();
        assertThat(v.hook()).isEqualTo(Hook.OFF);
        assertThat(v.tone()).isEqualTo(Tone.NONE);
        assertThat(v.callState()).isEqualTo(CallState.DIALING);
        assertThat(v.display()).containsExactly("L1 1001 Registered", "Dial: 100");
        assertThat(sim.sendTimes(PRIMARY, INVITE)).isEmpty();
        assertThat(sim.events(p, CallPlaced.class)).isEmpty();
    }

    @Test
    void hashPlacesTheCallAtOnceThenRingbackThenConnectedWhenTheCalleeAnswers() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 20_000);
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        sim.advanceTo(2_000);
        p.press(dial("2000#"));

        // at the instant of #, before any answer: calling, INVITE out, call-placed with the number
        assertThat(p.callState()).isEqualTo(CallState.CALLING);
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Calling 2000");
        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(2_000L);
        CallPlaced placed = sim.first(p, CallPlaced.class);
        assertThat(placed.at()).isEqualTo(2_000L);
        assertThat(placed.number()).isEqualTo("2000");
        assertThat(placed.line()).isEqualTo(1);
        assertThat(placed.server().role()).isEqualTo("primary");
        assertThat(placed.callId()).isNotNull().isEqualTo(p.view().callId());
        assertThat(p.view().remote()).isEqualTo("2000");

        // 407, the INVITE again with credentials, 100, 180: ringback
        sim.advanceTo(2_000);
        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(2_000L, 2_000L);
        assertThat(p.callState()).isEqualTo(CallState.CALLING);
        assertThat(p.tone()).isEqualTo(Tone.RINGBACK);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Ringing 2000");

        sim.advanceTo(21_999);
        assertThat(p.callState()).isEqualTo(CallState.CALLING);
        assertThat(sim.events(p, CallEstablished.class)).isEmpty();

        sim.advanceTo(22_000);
        CallEstablished up = sim.first(p, CallEstablished.class);
        assertThat(up.at()).isEqualTo(22_000L);
        assertThat(up.callId()).isEqualTo(placed.callId());
        assertThat(up.remote()).isEqualTo("2000");
        assertThat(up.incoming()).isFalse();
        assertThat(sim.sendTimes(PRIMARY, ACK)).containsExactly(22_000L);
        assertThat(p.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Connected 2000");
        assertThat(p.view().line(1).led()).isEqualTo(Led.GREEN);
        assertThat(sim.sendTimes(BACKUP, INVITE)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SEND", "OK", "send"})
    void sendOrOkPlacesTheDialledNumberLikeHash(String sendKey) {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 20_000);
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        p.press(dial("2000"));
        sim.advanceTo(1_500);
        p.press(Key.parseAll(List.of(sendKey), "keys"));
        sim.advanceTo(1_500);

        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(1_500L, 1_500L);
        CallPlaced placed = sim.first(p, CallPlaced.class);
        assertThat(placed.at()).isEqualTo(1_500L);
        assertThat(placed.number()).isEqualTo("2000");
        assertThat(p.callState()).isEqualTo(CallState.CALLING);
        assertThat(p.tone()).isEqualTo(Tone.RINGBACK);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Ringing 2000");
        assertThat(sim.events(p, KeyPressed.class)).extracting(KeyPressed::key).last().isEqualTo("SEND");
    }

    @Test
    void hashWithNoDigitsPlacesNothing() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        p.press(Key.digit('#'));
        sim.advanceTo(30_000);

        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(p.tone()).isEqualTo(Tone.DIAL);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Dial: ");
        assertThat(sim.world().packets(pk -> pk.method() == INVITE)).isEmpty();
        assertThat(sim.events(p, CallPlaced.class)).isEmpty();
    }

    @Test
    void sendWithNoDigitsPlacesNothingAndLeavesNothingToRedial() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        p.press(Key.SEND);

        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(p.tone()).isEqualTo(Tone.DIAL);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Dial: ");
        sim.advanceTo(30_000);
        assertThat(sim.world().packets(pk -> pk.method() == INVITE)).isEmpty();
        assertThat(sim.events(p, CallPlaced.class)).isEmpty();

        p.onHook();
        p.press(Key.REDIAL);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "No number to redial");
        assertThat(sim.world().packets(pk -> pk.method() == INVITE)).isEmpty();
    }

    // ---- the inter-digit timeout --------------------------------------------------------------------

    @Test
    void interDigitTimeoutPlacesTheCallExactlyFiveSecondsAfterTheLastDigitAndNotBefore() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 20_000);
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        p.press(Key.digit('2'));
        sim.advanceTo(3_000);
        p.press(dial("000"));

        // 5 s after the first digit: the timer restarted at the later digits
        sim.advanceTo(6_000);
        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        sim.advanceTo(7_999);
        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Dial: 2000");
        assertThat(sim.sendTimes(PRIMARY, INVITE)).isEmpty();

        sim.advanceTo(8_000);
        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(8_000L, 8_000L);
        CallPlaced placed = sim.first(p, CallPlaced.class);
        assertThat(placed.at()).isEqualTo(8_000L);
        assertThat(placed.number()).isEqualTo("2000");
        assertThat(p.callState()).isEqualTo(CallState.CALLING);
        assertThat(p.tone()).isEqualTo(Tone.RINGBACK);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Ringing 2000");
        assertThat(p.speaker()).isFalse(); // the handset is lifted
    }

    @Test
    void aConfiguredInterDigitTimeoutOfThreeSecondsIsHonoured() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 20_000);
        Phone p = sim.phone(V3).user("1001").settings(s -> s.withInterDigitTimeout(3_000)).powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        p.press(dial("2000"));

        sim.advanceTo(3_999);
        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(sim.sendTimes(PRIMARY, INVITE)).isEmpty();
        sim.advanceTo(4_000);
        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(4_000L, 4_000L);
        assertThat(sim.first(p, CallPlaced.class).at()).isEqualTo(4_000L);
        assertThat(p.callState()).isEqualTo(CallState.CALLING);
    }

    @Test
    void offHookWithoutDigitsNeverTimesOutIntoACall() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        p.offHook();
        sim.advanceTo(20_000);

        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(p.tone()).isEqualTo(Tone.DIAL);
        assertThat(sim.world().packets(pk -> pk.method() == INVITE)).isEmpty();
    }

    // ---- on-hook -----------------------------------------------------------------------------------

    @Test
    void onHookWhileDialingGoesBackToIdleAndNoInviteIsEverSent() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        sim.advanceTo(1_500);
        p.press(dial("20"));
        sim.advanceTo(2_000);
        p.onHook();

        assertThat(p.callState()).isEqualTo(CallState.IDLE);
        assertThat(p.hookState()).isEqualTo(Hook.ON);
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "");
        assertThat(sim.events(p, HookChanged.class)).extracting(e -> e.state() + "@" + e.at())
                .containsExactly("off@1000", "on@2000");

        sim.advanceTo(20_000); // well past the inter-digit timeout
        assertThat(sim.world().packets(pk -> pk.method() == INVITE)).isEmpty();
        assertThat(sim.events(p, CallPlaced.class)).isEmpty();
        assertThat(p.callState()).isEqualTo(CallState.IDLE);
    }

    @Test
    void onHookWhileTheOutgoingCallRingsSendsCancelToTheSameServerAtThatInstantAndEndsTheCall() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 25_000);
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        p.press(dial("2000#"));
        sim.advanceTo(5_000);
        assertThat(p.tone()).isEqualTo(Tone.RINGBACK);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Ringing 2000");

        p.onHook();
        assertThat(sim.sendTimes(PRIMARY, CANCEL)).containsExactly(5_000L);
        assertThat(sim.sendTimes(BACKUP, CANCEL)).isEmpty();
        String callId = sim.first(p, CallPlaced.class).callId();
        assertThat(sim.world().packets(pk -> pk.method() == CANCEL)).extracting(SipWorld.Packet::callId)
                .containsExactly(callId);
        CallEnded ended = sim.first(p, CallEnded.class);
        assertThat(ended.at()).isEqualTo(5_000L);
        assertThat(ended.reason()).isEqualTo("cancelled");
        assertThat(ended.callId()).isEqualTo(callId);
        assertThat(p.callState()).isEqualTo(CallState.IDLE);
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "");

        // the 487 to the INVITE and the rest of the ring time change nothing
        sim.advanceTo(40_000);
        assertThat(sim.events(p, CallEnded.class)).hasSize(1);
        assertThat(sim.events(p, CallEstablished.class)).isEmpty();
        assertThat(sim.events(p, CallFailed.class)).isEmpty();
        assertThat(sim.events(p, Failover.class)).isEmpty();
        assertThat(sim.sendTimes(PRIMARY, CANCEL)).containsExactly(5_000L);
        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(1_000L, 1_000L);
        assertThat(p.callState()).isEqualTo(CallState.IDLE);
    }

    @Test
    void onHookWhileAnotherPhoneRingsCancelsAndTheCalleeStopsRingingWithCallerCancelled() {
        Sim sim = new Sim();
        Phone caller = sim.phone(V3).user("1001").powerOn();
        Phone callee = sim.phone(V3).user("1002").powerOn();
        sim.advanceTo(1_000);
        caller.offHook();
        caller.press(dial("1002#"));
        sim.advanceTo(1_000);
        assertThat(callee.callState()).isEqualTo(CallState.RINGING);
        assertThat(callee.tone()).isEqualTo(Tone.RING);
        assertThat(caller.tone()).isEqualTo(Tone.RINGBACK);

        sim.advanceTo(4_000);
        caller.onHook();
        assertThat(sim.sendTimes(PRIMARY, CANCEL)).containsExactly(4_000L);
        assertThat(sim.first(caller, CallEnded.class).reason()).isEqualTo("cancelled");
        assertThat(caller.callState()).isEqualTo(CallState.IDLE);

        sim.advanceTo(4_000);
        CallEnded calleeEnded = sim.first(callee, CallEnded.class);
        assertThat(calleeEnded.at()).isEqualTo(4_000L);
        assertThat(calleeEnded.reason()).isEqualTo("caller-cancelled");
        assertThat(calleeEnded.callId()).isEqualTo(sim.first(caller, CallPlaced.class).callId());
        assertThat(callee.callState()).isEqualTo(CallState.IDLE);
        assertThat(callee.tone()).isEqualTo(Tone.NONE);
        assertThat(callee.display()).containsExactly("L1 1002 Registered", "");

        sim.advanceTo(40_000);
        assertThat(sim.events(callee, CallEstablished.class)).isEmpty();
        assertThat(sim.events(caller, CallEstablished.class)).isEmpty();
        assertThat(sim.events(caller, Failover.class)).isEmpty();
    }

    @Test
    void cancelKeyWhileTheOutgoingCallRingsSendsCancelLikeOnHook() {
        Sim sim = new Sim();
        Phone a = sim.phone(V3).user("1001").powerOn();
        Phone b = sim.phone(V3).user("1002").powerOn();
        sim.advanceTo(1_000);
        a.offHook();
        a.press(dial("1002#"));
        sim.advanceTo(2_000);
        a.press(Key.CANCEL);

        assertThat(sim.sendTimes(PRIMARY, CANCEL)).containsExactly(2_000L);
        assertThat(sim.first(a, CallEnded.class).reason()).isEqualTo("cancelled");
        assertThat(a.callState()).isEqualTo(CallState.IDLE);
        assertThat(a.tone()).isEqualTo(Tone.NONE);
        sim.advanceTo(2_000);
        assertThat(sim.first(b, CallEnded.class).reason()).isEqualTo("caller-cancelled");
        assertThat(sim.first(b, CallEnded.class).at()).isEqualTo(2_000L);
        assertThat(b.callState()).isEqualTo(CallState.IDLE);
    }

    @Test
    void anUnansweredCallKeepsRingingPast32SecondsOnTheSameServerWithoutFailover() {
        Sim sim = new Sim();
        Phone a = sim.phone(V3).user("1001").line(x -> x.keepAliveInterval(0)).powerOn();
        Phone b = sim.phone(V3).user("1002").line(x -> x.keepAliveInterval(0)).powerOn();
        sim.advanceTo(1_000);
        a.offHook();
        a.press(dial("1002#"));
        sim.advanceTo(60_000);

        assertThat(a.callState()).isEqualTo(CallState.CALLING);
        assertThat(a.tone()).isEqualTo(Tone.RINGBACK);
        assertThat(b.callState()).isEqualTo(CallState.RINGING);
        assertThat(sim.events(a, Failover.class)).isEmpty();
        assertThat(sim.sendTimes(BACKUP, INVITE)).isEmpty();
        assertThat(a.activeServer(1)).isEqualTo("primary");

        b.offHook();
        sim.advanceTo(60_000);
        CallEstablished up = sim.first(a, CallEstablished.class);
        assertThat(up.at()).isEqualTo(60_000L);
        assertThat(up.server().role()).isEqualTo("primary");
    }

    // ---- a call between two phones --------------------------------------------------------------------

    @Test
    void callBetweenTwoPhonesRingsAnswersOnOffHookAndTheCalleeHearsBusyAfterTheRemoteHangupUntilOnHook() {
        Sim sim = new Sim();
        Phone a = sim.phone(V3).user("1001").powerOn();
        Phone b = sim.phone(V3).user("1002").powerOn();
        sim.advanceTo(1_000);
        a.offHook();
        sim.advanceTo(2_000);
        a.press(dial("1002#"));
        sim.advanceTo(2_000);

        String callId = sim.first(a, CallPlaced.class).callId();
        CallIncoming in = sim.first(b, CallIncoming.class);
        assertThat(in.at()).isEqualTo(2_000L);
        assertThat(in.from()).isEqualTo("1001");
        assertThat(in.callId()).isEqualTo(callId);
        assertThat(in.line()).isEqualTo(1);
        assertThat(b.callState()).isEqualTo(CallState.RINGING);
        assertThat(b.tone()).isEqualTo(Tone.RING);
        assertThat(b.hookState()).isEqualTo(Hook.ON);
        assertThat(b.display()).containsExactly("L1 1002 Registered", "Incoming call 1001");
        assertThat(a.callState()).isEqualTo(CallState.CALLING);
        assertThat(a.tone()).isEqualTo(Tone.RINGBACK);
        assertThat(a.display()).containsExactly("L1 1001 Registered", "Ringing 1002");

        sim.advanceTo(5_000);
        b.offHook();
        assertThat(b.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(b.tone()).isEqualTo(Tone.NONE);
        assertThat(b.speaker()).isFalse();
        sim.advanceTo(5_000);
        CallEstablished upA = sim.first(a, CallEstablished.class);
        CallEstablished upB = sim.first(b, CallEstablished.class);
        assertThat(upA.at()).isEqualTo(5_000L);
        assertThat(upB.at()).isEqualTo(5_000L);
        assertThat(upA.incoming()).isFalse();
        assertThat(upB.incoming()).isTrue();
        assertThat(upA.callId()).isEqualTo(callId);
        assertThat(upB.callId()).isEqualTo(callId);
        assertThat(upB.remote()).isEqualTo("1001");
        assertThat(a.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(a.tone()).isEqualTo(Tone.NONE);
        assertThat(a.display()).containsExactly("L1 1001 Registered", "Connected 1002");
        assertThat(b.display()).containsExactly("L1 1002 Registered", "Connected 1001");
        assertThat(sim.sendTimes(PRIMARY, ACK)).containsExactly(5_000L);

        sim.advanceTo(9_000);
        a.onHook();
        assertThat(sim.events(a, HookChanged.class)).extracting(e -> e.state() + "@" + e.at() + ":" + e.callId())
                .containsExactly("off@1000:null", "on@9000:" + callId);
        assertThat(sentBy(sim.world(), "phone-1001", BYE)).containsExactly("primary@9000");
        assertThat(sentBy(sim.world(), "phone-1002", BYE)).isEmpty();
        assertThat(a.callState()).isEqualTo(CallState.ENDING); // until the BYE's 200 OK
        assertThat(a.display()).containsExactly("L1 1001 Registered", "Ending call");
        sim.advanceTo(9_000);
        CallEnded endA = sim.first(a, CallEnded.class);
        CallEnded endB = sim.first(b, CallEnded.class);
        assertThat(endA.at()).isEqualTo(9_000L);
        assertThat(endA.reason()).isEqualTo("local-hangup");
        assertThat(endB.at()).isEqualTo(9_000L);
        assertThat(endB.reason()).isEqualTo("remote-hangup");
        assertThat(endB.callId()).isEqualTo(callId);
        assertThat(a.callState()).isEqualTo(CallState.IDLE);
        assertThat(a.tone()).isEqualTo(Tone.NONE);
        assertThat(a.display()).containsExactly("L1 1001 Registered", "");

        // the callee's handset is still lifted: busy tone and "Call Ended" until it is put down
        assertThat(b.callState()).isEqualTo(CallState.IDLE);
        assertThat(b.hookState()).isEqualTo(Hook.OFF);
        assertThat(b.tone()).isEqualTo(Tone.BUSY);
        assertThat(b.display()).containsExactly("L1 1002 Registered", "Call Ended");
        sim.advanceTo(12_000);
        assertThat(b.tone()).isEqualTo(Tone.BUSY);
        assertThat(bottom(b)).isEqualTo("Call Ended");
        b.onHook();
        assertThat(b.tone()).isEqualTo(Tone.NONE);
        assertThat(b.display()).containsExactly("L1 1002 Registered", "");
        assertThat(sim.events(b, HookChanged.class)).extracting(e -> e.state() + "@" + e.at())
                .containsExactly("off@5000", "on@12000");
        assertThat(sim.events(b, CallEnded.class)).hasSize(1);
    }

    // ---- incoming while busy: 486 --------------------------------------------------------------------

    @Test
    void incomingCallWhileTheCalleeIsDialingIsRefused486AndTheCallerSeesBusy() {
        Sim sim = new Sim();
        Phone a = sim.phone(V3).user("1001").powerOn();
        Phone b = sim.phone(V3).user("1002").powerOn();
        sim.advanceTo(1_000);
        b.offHook();
        sim.advanceTo(2_000);
        a.offHook();
        a.press(dial("1002#"));
        sim.advanceTo(2_000);

        CallRejected rejected = sim.first(b, CallRejected.class);
        assertThat(rejected.at()).isEqualTo(2_000L);
        assertThat(rejected.from()).isEqualTo("1001");
        assertThat(rejected.status()).isEqualTo(486);
        assertThat(rejected.callId()).isEqualTo(sim.first(a, CallPlaced.class).callId());
        assertThat(sim.events(b, CallIncoming.class)).isEmpty();
        // the callee goes on dialing, undisturbed
        assertThat(b.callState()).isEqualTo(CallState.DIALING);
        assertThat(b.tone()).isEqualTo(Tone.DIAL);
        assertThat(b.display()).containsExactly("L1 1002 Registered", "Dial: ");

        CallFailed failed = sim.first(a, CallFailed.class);
        assertThat(failed.at()).isEqualTo(2_000L);
        assertThat(failed.request()).isEqualTo("INVITE");
        assertThat(failed.reasons()).extracting(r -> r.server().role() + ":" + r.request() + ":" + r.reason())
                .containsExactly("primary:INVITE:486");
        assertThat(sim.first(a, CallEnded.class).reason()).isEqualTo("failed");
        assertThat(a.callState()).isEqualTo(CallState.IDLE);
        assertThat(a.display()).containsExactly("L1 1001 Registered", "Busy");
        assertThat(a.tone()).isEqualTo(Tone.BUSY); // the caller's handset is lifted
        // a 486 is a final answer, not a dead server: no failover
        assertThat(sim.events(a, Failover.class)).isEmpty();
        assertThat(sim.sendTimes(BACKUP, INVITE)).isEmpty();
    }

    @Test
    void incomingCallWhileTheCalleeIsInACallIsRefused486AndTheCallGoesOn() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 0);
        Phone a = sim.phone(V3).user("1001").powerOn();
        Phone b = sim.phone(V3).user("1002").powerOn();
        sim.advanceTo(1_000);
        b.offHook();
        b.press(dial("2000#"));
        sim.advanceTo(1_000);
        assertThat(b.callState()).isEqualTo(CallState.CONNECTED);

        sim.advanceTo(3_000);
        a.press(dial("1002#")); // pre-dialled, hands-free
        sim.advanceTo(3_000);

        assertThat(sim.first(b, CallRejected.class).at()).isEqualTo(3_000L);
        assertThat(sim.first(b, CallRejected.class).status()).isEqualTo(486);
        assertThat(b.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(b.display()).containsExactly("L1 1002 Registered", "Connected 2000");
        assertThat(sim.events(b, CallEnded.class)).isEmpty();

        assertThat(sim.first(a, CallFailed.class).reasons()).extracting(r -> r.reason()).containsExactly("486");
        assertThat(a.callState()).isEqualTo(CallState.IDLE);
        assertThat(bottom(a)).isEqualTo("Busy");
        assertThat(a.tone()).isEqualTo(Tone.NONE); // hands-free: the phone goes idle
        assertThat(a.speaker()).isFalse();
    }

    // ---- auto-answer ---------------------------------------------------------------------------------

    @Test
    void autoAnswerAnswersHandsFreeExactlyTheConfiguredDelayAfterTheInviteArrived() {
        Sim sim = new Sim();
        Phone a = sim.phone(V3).user("1001").powerOn();
        Phone b = sim.phone(V3).user("1002").settings(s -> s.withAutoAnswer(2_000)).powerOn();
        sim.advanceTo(1_000);
        a.offHook();
        a.press(dial("1002#"));
        sim.advanceTo(1_000);
        assertThat(sim.first(b, CallIncoming.class).at()).isEqualTo(1_000L);

        sim.advanceTo(2_999);
        assertThat(b.callState()).isEqualTo(CallState.RINGING);
        assertThat(b.tone()).isEqualTo(Tone.RING);
        assertThat(sim.events(b, CallEstablished.class)).isEmpty();

        sim.advanceTo(3_000);
        CallEstablished up = sim.first(b, CallEstablished.class);
        assertThat(up.at()).isEqualTo(3_000L);
        assertThat(up.incoming()).isTrue();
        assertThat(b.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(b.speaker()).isTrue();
        assertThat(b.hookState()).isEqualTo(Hook.ON);
        assertThat(b.view().speaker()).isTrue();
        assertThat(b.tone()).isEqualTo(Tone.NONE);
        assertThat(b.display()).containsExactly("L1 1002 Registered", "Connected 1001");
        assertThat(sim.first(a, CallEstablished.class).at()).isEqualTo(3_000L);
        assertThat(a.callState()).isEqualTo(CallState.CONNECTED);
    }

    // ---- SPEAKER -------------------------------------------------------------------------------------

    @Test
    void speakerOnAnIdlePhoneStartsHandsFreeDialingWithDialTone() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 10_000);
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.press(Key.SPEAKER);

        assertThat(p.speaker()).isTrue();
        assertThat(p.hookState()).isEqualTo(Hook.ON);
        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(p.tone()).isEqualTo(Tone.DIAL);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Dial: ");
        assertThat(sim.first(p, KeyPressed.class).key()).isEqualTo("SPEAKER");

        p.press(dial("2000#"));
        sim.advanceTo(1_000);
        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(1_000L, 1_000L);
        assertThat(p.callState()).isEqualTo(CallState.CALLING);
        assertThat(p.speaker()).isTrue();

        // SPEAKER off again while it rings, handset down: the call is cancelled
        sim.advanceTo(2_000);
        p.press(Key.SPEAKER);
        assertThat(sim.sendTimes(PRIMARY, CANCEL)).containsExactly(2_000L);
        assertThat(p.speaker()).isFalse();
        assertThat(p.callState()).isEqualTo(CallState.IDLE);
        assertThat(sim.first(p, CallEnded.class).reason()).isEqualTo("cancelled");
    }

    @Test
    void speakerAnswersARingingCallHandsFreeAndSpeakerOffWithTheHandsetDownHangsUpWithBye() {
        Sim sim = new Sim();
        Phone a = sim.phone(V3).user("1001").powerOn();
        Phone b = sim.phone(V3).user("1002").powerOn();
        sim.advanceTo(1_000);
        a.offHook();
        a.press(dial("1002#"));
        sim.advanceTo(3_000);
        assertThat(b.callState()).isEqualTo(CallState.RINGING);

        b.press(Key.SPEAKER);
        assertThat(b.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(b.speaker()).isTrue();
        assertThat(b.hookState()).isEqualTo(Hook.ON);
        assertThat(b.tone()).isEqualTo(Tone.NONE);
        assertThat(b.display()).containsExactly("L1 1002 Registered", "Connected 1001");
        assertThat(sim.first(b, CallEstablished.class).at()).isEqualTo(3_000L);
        sim.advanceTo(3_000);
        assertThat(a.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(sim.first(a, CallEstablished.class).at()).isEqualTo(3_000L);

        sim.advanceTo(8_000);
        b.press(Key.SPEAKER);
        assertThat(sentBy(sim.world(), "phone-1002", BYE)).containsExactly("primary@8000");
        assertThat(b.speaker()).isFalse();
        sim.advanceTo(8_000);
        assertThat(sim.first(b, CallEnded.class).reason()).isEqualTo("local-hangup");
        assertThat(sim.first(b, CallEnded.class).at()).isEqualTo(8_000L);
        assertThat(b.callState()).isEqualTo(CallState.IDLE);
        assertThat(b.tone()).isEqualTo(Tone.NONE);
        CallEnded endA = sim.first(a, CallEnded.class);
        assertThat(endA.reason()).isEqualTo("remote-hangup");
        assertThat(endA.at()).isEqualTo(8_000L);
        assertThat(a.tone()).isEqualTo(Tone.BUSY);
        assertThat(a.display()).containsExactly("L1 1001 Registered", "Call Ended");
    }

    @Test
    void liftingTheHandsetDuringAHandsFreeCallMovesTheAudioAndPuttingItDownThenHangsUp() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 0);
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.press(dial("2000#"));
        sim.advanceTo(1_000);
        assertThat(p.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(p.speaker()).isTrue();

        sim.advanceTo(2_000);
        p.offHook();
        assertThat(p.speaker()).isFalse();
        assertThat(p.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(sim.world().packets(pk -> pk.method() == BYE)).isEmpty();

        sim.advanceTo(3_000);
        p.onHook();
        assertThat(sim.sendTimes(PRIMARY, BYE)).containsExactly(3_000L);
    }

    // ---- CANCEL --------------------------------------------------------------------------------------

    @Test
    void cancelWhileDialingGoesIdleAndTheInterDigitTimerNeverFires() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.press(dial("20")); // pre-dialled on hook
        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        sim.advanceTo(2_000);
        p.press(Key.CANCEL);

        assertThat(p.callState()).isEqualTo(CallState.IDLE);
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.speaker()).isFalse();
        assertThat(p.display()).containsExactly("L1 1001 Registered", "");
        sim.advanceTo(20_000);
        assertThat(sim.world().packets(pk -> pk.method() == INVITE)).isEmpty();
        assertThat(sim.events(p, CallPlaced.class)).isEmpty();
    }

    @Test
    void cancelWhileAnIncomingCallRingsRefusesIt486AndTheCallerSeesBusy() {
        Sim sim = new Sim();
        Phone a = sim.phone(V3).user("1001").powerOn();
        Phone b = sim.phone(V3).user("1002").powerOn();
        sim.advanceTo(1_000);
        a.offHook();
        a.press(dial("1002#"));
        sim.advanceTo(4_000);
        b.press(Key.CANCEL);

        assertThat(b.callState()).isEqualTo(CallState.IDLE);
        assertThat(b.tone()).isEqualTo(Tone.NONE);
        assertThat(b.display()).containsExactly("L1 1002 Registered", "");
        CallEnded endB = sim.first(b, CallEnded.class);
        assertThat(endB.reason()).isEqualTo("rejected");
        assertThat(endB.at()).isEqualTo(4_000L);
        assertThat(sim.events(b, CallEstablished.class)).isEmpty();

        sim.advanceTo(4_000);
        CallFailed failed = sim.first(a, CallFailed.class);
        assertThat(failed.at()).isEqualTo(4_000L);
        assertThat(failed.reasons()).extracting(r -> r.reason()).containsExactly("486");
        assertThat(a.display()).containsExactly("L1 1001 Registered", "Busy");
        assertThat(a.tone()).isEqualTo(Tone.BUSY);
        assertThat(a.callState()).isEqualTo(CallState.IDLE);
    }

    @Test
    void cancelInACallHangsUpWithBye() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 0);
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        p.press(dial("2000#"));
        sim.advanceTo(1_000);
        assertThat(p.callState()).isEqualTo(CallState.CONNECTED);

        sim.advanceTo(6_000);
        p.press(Key.CANCEL);
        assertThat(sim.sendTimes(PRIMARY, BYE)).containsExactly(6_000L);
        sim.advanceTo(6_000);
        CallEnded ended = sim.first(p, CallEnded.class);
        assertThat(ended.reason()).isEqualTo("local-hangup");
        assertThat(ended.at()).isEqualTo(6_000L);
        assertThat(p.callState()).isEqualTo(CallState.IDLE);
        assertThat(p.tone()).isEqualTo(Tone.NONE);
    }

    // ---- REDIAL and pre-dialling ---------------------------------------------------------------------

    @Test
    void redialPlacesTheLastNumberHandsFree() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 0);
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.offHook();
        p.press(dial("2000#"));
        sim.advanceTo(2_000);
        p.onHook();
        sim.advanceTo(5_000);
        assertThat(p.callState()).isEqualTo(CallState.IDLE);

        p.press(Key.REDIAL);
        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(1_000L, 1_000L, 5_000L);
        List<CallPlaced> placed = sim.events(p, CallPlaced.class);
        assertThat(placed).extracting(e -> e.number() + "@" + e.at()).containsExactly("2000@1000", "2000@5000");
        assertThat(placed.get(1).callId()).isNotEqualTo(placed.get(0).callId());
        assertThat(p.speaker()).isTrue();
        assertThat(p.hookState()).isEqualTo(Hook.ON);
        sim.advanceTo(5_000);
        assertThat(p.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Connected 2000");
    }

    @Test
    void redialWithNoLastNumberShowsNoNumberToRedialAndSendsNothing() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.press(Key.REDIAL);

        assertThat(p.display()).containsExactly("L1 1001 Registered", "No number to redial");
        assertThat(p.callState()).isEqualTo(CallState.IDLE);
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.speaker()).isFalse();
        assertThat(sim.first(p, KeyPressed.class).key()).isEqualTo("REDIAL");
        sim.advanceTo(20_000);
        assertThat(sim.world().packets(pk -> pk.method() == INVITE)).isEmpty();
        assertThat(sim.events(p, CallPlaced.class)).isEmpty();
    }

    @Test
    void preDiallingOnHookPlacesTheCallHandsFreeOnHash() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 3_000);
        Phone p = sim.phone(V3).user("1001").powerOn();
        sim.advanceTo(1_000);
        p.press(dial("2000"));
        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(p.hookState()).isEqualTo(Hook.ON);
        assertThat(p.speaker()).isFalse();
        assertThat(p.tone()).isEqualTo(Tone.NONE);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Dial: 2000");
        assertThat(sim.events(p, HookChanged.class)).isEmpty();

        p.press(Key.digit('#'));
        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(1_000L);
        assertThat(sim.first(p, CallPlaced.class).number()).isEqualTo("2000");
        assertThat(p.callState()).isEqualTo(CallState.CALLING);
        assertThat(p.speaker()).isTrue();
        assertThat(p.hookState()).isEqualTo(Hook.ON);
        sim.advanceTo(1_000);
        assertThat(p.tone()).isEqualTo(Tone.RINGBACK);
        sim.advanceTo(4_000);
        assertThat(p.callState()).isEqualTo(CallState.CONNECTED);
        assertThat(sim.first(p, CallEstablished.class).at()).isEqualTo(4_000L);
        assertThat(p.speaker()).isTrue();
    }

    // ---- LINE keys ------------------------------------------------------------------------------------

    private static LineConfig line2For1003() {
        return LineConfig.builder().registerAddr(PRIMARY_HOST).backupAddr(BACKUP_HOST).user("1003")
                .password("pw1003").build();
    }

    @Test
    void line2KeyThenDigitsSendsTheInviteFromLine2() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 10_000);
        Phone p = sim.phone(V3).user("1001").powerOn();
        p.configureLine(2, line2For1003());
        sim.advanceTo(1_000);
        assertThat(p.lineState(2)).isEqualTo(LineState.REGISTERED);
        assertThat(p.view().line(2).led()).isEqualTo(Led.GREEN);

        p.press(Key.line(2));
        assertThat(p.callState()).isEqualTo(CallState.DIALING);
        assertThat(p.tone()).isEqualTo(Tone.DIAL);
        assertThat(p.speaker()).isTrue();
        assertThat(p.display()).containsExactly("L2 1003 Registered", "Dial: ");
        assertThat(p.view().selectedLine()).isEqualTo(2);
        assertThat(sim.first(p, KeyPressed.class).key()).isEqualTo("LINE2");

        p.press(dial("2000#"));
        sim.advanceTo(1_000);
        List<SipWorld.Packet> invites = sim.world().packets(pk -> pk.method() == INVITE);
        assertThat(invites).hasSize(2);
        assertThat(invites.get(0).line()).isEqualTo(2);
        assertThat(invites.get(0).at()).isEqualTo(1_000L);
        assertThat(invites).extracting(SipWorld.Packet::line).containsOnly(2);
        CallPlaced placed = sim.first(p, CallPlaced.class);
        assertThat(placed.line()).isEqualTo(2);
        assertThat(placed.number()).isEqualTo("2000");
        assertThat(p.display()).containsExactly("L2 1003 Registered", "Ringing 2000");
    }

    @Test
    void line3KeyOnAnUnconfiguredLineIsRefusedNamingTheKeyAndChangesNothing() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        p.configureLine(2, line2For1003());
        sim.advanceTo(1_000);
        PhoneView before = p.view();
        int eventsBefore = sim.events(p).size();
        int packetsBefore = sim.world().packets().size();

        InvalidInputException single = refused(() -> p.press(Key.line(3)));
        assertThat(single.field()).isEqualTo("keys");
        assertThat(single.getMessage()).contains("LINE3");

        // a list with the bad key in the middle: the keys before it are not pressed either
        InvalidInputException inList = refused(() -> p.press(Key.parseAll(List.of("1", "LINE3", "2", "SEND"), "keys")));
        assertThat(inList.field()).isEqualTo("keys[1]");
        assertThat(inList.getMessage()).contains("LINE3");

        // a line the model does not have
        InvalidInputException missing = refused(() -> p.press(List.of(Key.digit('5'), Key.line(7))));
        assertThat(missing.field()).isEqualTo("keys[1]");
        assertThat(missing.getMessage()).contains("LINE7");

        sim.advanceTo(20_000);
        assertThat(p.view()).isEqualTo(before);
        assertThat(sim.events(p)).hasSize(eventsBefore);
        assertThat(sim.world().packets(pk -> pk.purpose() == Purpose.CALL)).isEmpty();
        assertThat(sim.world().packets().size() - packetsBefore)
                .as("only keep-alives go out after the refusal")
                .isEqualTo(sim.world().packets(pk -> pk.purpose() == Purpose.KEEPALIVE).size());
        assertThat(p.callState()).isEqualTo(CallState.IDLE);
    }

    // ---- display and LED per line state -------------------------------------------------------------

    @Test
    void displayAndLedFollowTheLineStateRegisteringBlinkingRegisteredGreenFailedRedDisabledOff() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        sim.backup().mode(SILENT);
        Phone p = sim.phone(V3).user("1001").build();

        // configured, not powered: unregistered, LED off
        assertThat(p.lineState(1)).isEqualTo(LineState.UNREGISTERED);
        assertThat(p.view().line(1).led()).isEqualTo(Led.OFF);
        assertThat(p.display().get(0)).isEqualTo("L1 1001 Not registered");

        p.powerOn();
        sim.advanceTo(0);
        assertThat(p.lineState(1)).isEqualTo(LineState.REGISTERING);
        assertThat(p.view().line(1).led()).isEqualTo(Led.BLINKING);
        assertThat(p.display()).containsExactly("L1 1001 Registering...", "");
        // failing over to the backup at 7.5 s: still blinking
        sim.advanceTo(7_500);
        assertThat(sim.first(p, Failover.class).at()).isEqualTo(7_500L);
        assertThat(p.view().line(1).led()).isEqualTo(Led.BLINKING);
        assertThat(p.display().get(0)).isEqualTo("L1 1001 Registering...");

        sim.advanceTo(39_499);
        assertThat(p.lineState(1)).isEqualTo(LineState.REGISTERING);
        assertThat(p.view().line(1).led()).isEqualTo(Led.BLINKING);
        sim.advanceTo(39_500);
        assertThat(sim.first(p, RegisterFailed.class).at()).isEqualTo(39_500L);
        assertThat(p.lineState(1)).isEqualTo(LineState.FAILED);
        assertThat(p.view().line(1).led()).isEqualTo(Led.RED);
        assertThat(p.view().line(1).state()).isEqualTo(LineState.FAILED);
        assertThat(p.view().line(1).activeServer()).isNull();
        assertThat(p.display()).containsExactly("L1 1001 Registration Failed", "");

        // the other lines of the V3 phone have no server: disabled, LED off
        for (int n = 2; n <= 6; n++) {
            assertThat(p.lineState(n)).isEqualTo(LineState.DISABLED);
            assertThat(p.view().line(n).led()).isEqualTo(Led.OFF);
        }

        // the primary comes back: the retry walk at 71.5 s registers, LED green
        sim.primary().mode(SipWorld.Mode.UP);
        sim.advanceTo(71_499);
        assertThat(p.view().line(1).led()).isEqualTo(Led.RED);
        sim.advanceTo(71_500);
        assertThat(sim.events(p, Registered.class)).extracting(PhoneEvent::at).containsExactly(71_500L);
        assertThat(p.lineState(1)).isEqualTo(LineState.REGISTERED);
        assertThat(p.view().line(1).led()).isEqualTo(Led.GREEN);
        assertThat(p.view().line(1).activeServer()).isEqualTo("primary");
        assertThat(p.display()).containsExactly("L1 1001 Registered", "");
    }

    @Test
    void registeredLineShowsGreenAndItsActiveServerAndAMaskedConfiguration() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).user("1001").powerOn();
        PhoneView.LineView l1 = p.view().line(1);
        assertThat(l1.state()).isEqualTo(LineState.REGISTERED);
        assertThat(l1.led()).isEqualTo(Led.GREEN);
        assertThat(l1.activeServer()).isEqualTo("primary");
        assertThat(l1.activeAddress()).isEqualTo("127.0.0.2:5060/UDP");
        assertThat(l1.config().password()).isEqualTo(LineConfig.MASK);
        assertThat(p.view().toString()).doesNotContain("pw1001");
        assertThat(p.display()).containsExactly("L1 1001 Registered", "");
    }

    // ---- key parsing ---------------------------------------------------------------------------------

    @Test
    void aDialStringParsesEveryCharacterAsAKey() {
        assertThat(Key.parseDialString("1001#", "keys")).extracting(Key::label)
                .containsExactly("1", "0", "0", "1", "#");
        assertThat(Key.parseDialString("*09", "keys")).extracting(Key::kind)
                .containsOnly(Key.Kind.DIGIT);
    }

    @Test
    void aDialStringWithANonDialCharacterIsRefusedNamingItsPosition() {
        InvalidInputException e = refused(() -> Key.parseDialString("10a", "keys"));
        assertThat(e.field()).isEqualTo("keys");
        assertThat(e.getMessage()).contains("'a'").contains("position 3");
        assertThatThrownBy(() -> Key.parseDialString("", "keys")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void keyNamesParseCaseInsensitivelyWithOkAsSend() {
        List<Key> keys = Key.parseAll(List.of("1", "SEND", "ok", "LINE2", "redial"), "keys");
        assertThat(keys).containsExactly(Key.digit('1'), Key.SEND, Key.SEND, Key.line(2), Key.REDIAL);
        assertThat(Key.parseAll(List.of("cancel", "Speaker", "#", "*", "line12"), "keys"))
                .containsExactly(Key.CANCEL, Key.SPEAKER, Key.digit('#'), Key.digit('*'), Key.line(12));
    }

    @ParameterizedTest
    @ValueSource(strings = {"FOO", "LINE0", "LINE", "12", "", "a", "LINEx"})
    void anUnknownKeyNameIsRefusedNamingItsIndex(String bad) {
        InvalidInputException e = refused(() -> Key.parseAll(List.of("1", "SEND", bad), "keys"));
        assertThat(e.field()).isEqualTo("keys[2]");
        assertThat(e.getMessage()).contains("unknown key");
    }
}
