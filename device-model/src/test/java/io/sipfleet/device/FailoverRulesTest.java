package io.sipfleet.device;

import static io.sipfleet.device.FirmwareProfile.V2;
import static io.sipfleet.device.FirmwareProfile.V3;
import static io.sipfleet.device.sip.Method.BYE;
import static io.sipfleet.device.sip.Method.CANCEL;
import static io.sipfleet.device.sip.Method.INVITE;
import static io.sipfleet.device.sip.Method.OPTIONS;
import static io.sipfleet.device.sip.Method.REGISTER;
import static io.sipfleet.device.testing.Sim.BACKUP;
import static io.sipfleet.device.testing.Sim.PRIMARY;
import static io.sipfleet.device.virtual.SipWorld.Mode.ERROR_503;
import static io.sipfleet.device.virtual.SipWorld.Mode.SILENT;
import static io.sipfleet.device.virtual.SipWorld.Mode.UP;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipfleet.device.Outputs.CallState;
import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.config.Transport;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneEvent.CallEnded;
import io.sipfleet.device.event.PhoneEvent.CallEstablished;
import io.sipfleet.device.event.PhoneEvent.CallFailed;
import io.sipfleet.device.event.PhoneEvent.Failback;
import io.sipfleet.device.event.PhoneEvent.FailbackProbe;
import io.sipfleet.device.event.PhoneEvent.FailbackProbeFailed;
import io.sipfleet.device.event.PhoneEvent.Failover;
import io.sipfleet.device.event.PhoneEvent.KeepaliveTimeout;
import io.sipfleet.device.event.PhoneEvent.RegisterFailed;
import io.sipfleet.device.event.PhoneEvent.Registered;
import io.sipfleet.device.event.PhoneEvent.Registering;
import io.sipfleet.device.sip.Purpose;
import io.sipfleet.device.testing.Sim;
import io.sipfleet.device.virtual.SipWorld;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The rules of behaviour.md §4, §6-§10 beyond the reference timelines, at exact virtual instants. */
class FailoverRulesTest {

    private static List<Long> times(List<? extends PhoneEvent> events) {
        return events.stream().map(PhoneEvent::at).toList();
    }

    private static Phone call(Sim sim, Phone p, String number) {
        p.offHook();
        p.press(Key.parseDialString(number + "#", "keys"));
        sim.clock().runDue();
        return p;
    }

    // ---- §6 triggers ------------------------------------------------------------------------

    @Test
    void powerOnIsAManualRegistrationStartingAtServer1() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).powerOn();
        Registering r = sim.first(p, Registering.class);
        assertThat(r.at()).isZero();
        assertThat(r.trigger()).isEqualTo("power-on");
        assertThat(r.server().role()).isEqualTo("primary");
        assertThat(sim.first(p, Registered.class).server().role()).isEqualTo("primary");
    }

    @Test
    void theRegisterCommandWalksFromTheActiveServer() {
        Sim sim = new Sim();
        sim.primary().mode(ERROR_503);
        Phone p = sim.phone(V3).line(b -> b.keepAliveInterval(0)).powerOn();
        sim.primary().mode(UP);
        sim.advanceTo(5_000);
        p.register(1);
        sim.clock().runDue();

        Registering manual = sim.events(p, Registering.class).get(1);
        assertThat(manual.at()).isEqualTo(5_000L);
        assertThat(manual.trigger()).isEqualTo("manual");
        assertThat(manual.server().role()).isEqualTo("backup");
        assertThat(sim.sendTimes(BACKUP, REGISTER)).containsExactly(0L, 0L, 5_000L, 5_000L);
        assertThat(p.activeServer(1)).isEqualTo("backup");
    }

    @Test
    void aSubmittedConfigurationRegistersAtOnceWithANewRegisterDialog() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).powerOn();
        String firstCallId = sim.first(p, Registered.class).callId();
        sim.advanceTo(3_000);
        p.configureLine(1, p.lineConfig(1).toBuilder().registerTtl(1200).build());
        sim.clock().runDue();

        List<Registering> walks = sim.events(p, Registering.class);
        assertThat(walks).extracting(Registering::trigger).containsExactly("power-on", "config");
        assertThat(walks.get(1).at()).isEqualTo(3_000L);
        Registered again = sim.events(p, Registered.class).get(1);
        assertThat(again.at()).isEqualTo(3_000L);
        assertThat(again.expires()).isEqualTo(1200);
        assertThat(again.callId()).isNotEqualTo(firstCallId);
    }

    @Test
    void refreshIsAtNinetyPercentOfTheExpiryLessASeededJitterOfUpToFivePercent() {
        List<Long> first = refreshInstants(42);
        List<Long> again = refreshInstants(42);
        List<Long> other = refreshInstants(43);

        assertThat(first).isEqualTo(again); // same seed, same run
        assertThat(first).isNotEqualTo(other);
        long previous = 0;
        for (long t : first) {
            long sinceLast = t - previous;
            assertThat(sinceLast).isBetween(85_000L, 90_000L); // TTL 100 s: 90 s less up to 5 s
            previous = t;
        }
    }

    private static List<Long> refreshInstants(long seed) {
        Sim sim = new Sim();
        sim.phone(V3).line(b -> b.registerTtl(100).keepAliveInterval(0))
                .settings(s -> new PhoneSettings(s.timers(), s.interDigitTimeoutMs(), false, 0, seed)).powerOn();
        sim.advanceTo(300_000);
        return sim.world().packets(pk -> pk.purpose() == Purpose.REFRESH && !pk.authorized()).stream()
                .map(SipWorld.Packet::at).toList();
    }

    @Test
    void theExpiresOfThe200OkWinsOverTheTtl() {
        Sim sim = new Sim();
        sim.primary().grantExpires(60);
        Phone p = sim.phone(V3).line(b -> b.registerTtl(3600).keepAliveInterval(0)).powerOn();
        sim.advanceTo(60_000);

        assertThat(sim.first(p, Registered.class).expires()).isEqualTo(60);
        List<Long> refreshes = sim.world().packets(pk -> pk.purpose() == Purpose.REFRESH && !pk.authorized())
                .stream().map(SipWorld.Packet::at).toList();
        assertThat(refreshes).hasSize(1);
        assertThat(refreshes.get(0)).isBetween(51_000L, 54_000L);
    }

    @Test
    void aRefreshThatTimesOutFailsOverToTheBackup() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).line(b -> b.registerTtl(100).keepAliveInterval(0)).powerOn();
        sim.at(80_000, () -> sim.primary().mode(SILENT));
        sim.advanceTo(120_000);

        long refreshAt = sim.world().packets(pk -> pk.purpose() == Purpose.REFRESH).get(0).at();
        assertThat(sim.sendTimes(PRIMARY, REGISTER)).containsExactly(0L, 0L, refreshAt, refreshAt + 500,
                refreshAt + 1_500, refreshAt + 3_500);
        Failover f = sim.first(p, Failover.class);
        assertThat(f.at()).isEqualTo(refreshAt + 7_500);
        assertThat(f.request()).isEqualTo("REGISTER");
        Registered onBackup = sim.events(p, Registered.class).get(1);
        assertThat(onBackup.at()).isEqualTo(refreshAt + 7_500);
        assertThat(onBackup.server().role()).isEqualTo("backup");
        // the failover keeps the register dialog
        assertThat(onBackup.callId()).isEqualTo(sim.first(p, Registered.class).callId());
    }

    @Test
    void anOptionsTimeoutTriggersRegisterFailoverStartingAtTheActiveServer() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).powerOn(); // keep-alive every 60 s
        sim.at(30_000, () -> sim.primary().mode(SILENT));
        sim.advanceTo(140_000);

        assertThat(sim.sendTimes(PRIMARY, OPTIONS)).containsExactly(60_000L, 60_500L, 61_500L, 63_500L);
        KeepaliveTimeout k = sim.first(p, KeepaliveTimeout.class);
        assertThat(k.at()).isEqualTo(67_500L);
        assertThat(k.server().role()).isEqualTo("primary");
        Registering walk = sim.events(p, Registering.class).get(1);
        assertThat(walk.at()).isEqualTo(67_500L);
        assertThat(walk.trigger()).isEqualTo("keepalive-timeout");
        assertThat(sim.sendTimes(PRIMARY, REGISTER)).endsWith(67_500L, 68_000L, 69_000L, 71_000L);
        assertThat(sim.first(p, Failover.class).at()).isEqualTo(75_000L);
        assertThat(sim.events(p, Registered.class).get(1).at()).isEqualTo(75_000L);
        assertThat(p.activeServer(1)).isEqualTo("backup");
        // keep-alive goes on, to the new active server
        assertThat(sim.sendTimes(BACKUP, OPTIONS)).first().isEqualTo(135_000L);
    }

    @Test
    void aCancelThatTimesOutTriggersRegisterFailover() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("3000", 600_000);
        Phone p = sim.phone(V3).line(b -> b.keepAliveInterval(0)).powerOn();
        sim.advanceTo(1_000);
        call(sim, p, "3000");
        sim.at(5_000, () -> sim.primary().mode(SILENT));
        sim.advanceTo(6_000);
        assertThat(p.callState()).isEqualTo(CallState.CALLING);
        p.onHook();
        sim.advanceTo(30_000);

        assertThat(sim.sendTimes(PRIMARY, CANCEL)).containsExactly(6_000L, 6_500L, 7_500L, 9_500L);
        assertThat(sim.first(p, CallEnded.class).reason()).isEqualTo("cancelled");
        Registering walk = sim.events(p, Registering.class).get(1);
        assertThat(walk.at()).isEqualTo(13_500L);
        assertThat(walk.trigger()).isEqualTo("cancel-timeout");
        assertThat(sim.first(p, Failover.class).at()).isEqualTo(21_000L);
        assertThat(sim.events(p, Registered.class).get(1).server().role()).isEqualTo("backup");
    }

    // ---- §7 / §8 when the REGISTER to the next server fails too ----------------------------

    @Test
    void inviteFailoverWhoseRegisterToTheBackupAlsoFailsFailsTheCallAndTheRegistration() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 0);
        Phone p = sim.phone(V3).line(b -> b.keepAliveInterval(0)).powerOn();
        sim.primary().mode(SILENT);
        sim.backup().mode(SILENT);
        sim.advanceTo(1_000);
        call(sim, p, "2000");
        sim.advanceTo(60_000);

        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(1_000L, 1_500L, 2_500L, 4_500L);
        assertThat(sim.sendTimes(BACKUP, REGISTER)).first().isEqualTo(8_500L);
        CallFailed failed = sim.first(p, CallFailed.class);
        assertThat(failed.at()).isEqualTo(1_000L + 7_500 + 32_000);
        assertThat(failed.request()).isEqualTo("INVITE");
        assertThat(failed.reasons()).extracting(r -> r.server().role() + ":" + r.request() + ":" + r.reason())
                .containsExactly("primary:INVITE:timeout", "backup:REGISTER:timeout");
        assertThat(sim.first(p, RegisterFailed.class).at()).isEqualTo(40_500L);
        assertThat(sim.events(p, CallEnded.class)).extracting(CallEnded::reason).containsExactly("failed");
        assertThat(p.display()).containsExactly("L1 1001 Registration Failed", "Call Failed");
        assertThat(p.tone()).isEqualTo(Outputs.Tone.BUSY);
        assertThat(sim.sendTimes(BACKUP, INVITE)).isEmpty();
    }

    @Test
    void byeFailoverRegistersOnTheBackupAndEndsTheCallThroughIt() {
        Sim sim = new Sim();
        Phone a = sim.phone(V3).user("1001").line(b -> b.keepAliveInterval(0)).powerOn();
        Phone b = sim.phone(V3).user("1002").line(c -> c.keepAliveInterval(0)).powerOn();
        call(sim, a, "1002");
        b.offHook();
        sim.clock().runDue();
        assertThat(a.callState()).isEqualTo(CallState.CONNECTED);
        sim.at(10_000, () -> sim.primary().mode(SILENT));
        sim.advanceTo(20_000);
        a.onHook();
        sim.advanceTo(40_000);

        assertThat(sim.world().packets(pk -> pk.method() == BYE && pk.phone().equals(a.phoneId())))
                .extracting(pk -> pk.server() + "@" + pk.at())
                .containsExactly("primary@20000", "primary@20500", "primary@21500", "primary@23500",
                        "backup@27500");
        Failover f = sim.first(a, Failover.class);
        assertThat(f.at()).isEqualTo(27_500L);
        assertThat(f.request()).isEqualTo("BYE");
        assertThat(sim.events(a, Registered.class).get(1).server().role()).isEqualTo("backup");
        CallEnded ended = sim.first(a, CallEnded.class);
        assertThat(ended.at()).isEqualTo(27_500L);
        assertThat(ended.reason()).isEqualTo("local-hangup");
        assertThat(sim.first(b, CallEnded.class).reason()).isEqualTo("remote-hangup");
        assertThat(sim.first(b, CallEnded.class).at()).isEqualTo(27_500L);
        assertThat(a.callState()).isEqualTo(CallState.IDLE);
    }

    @Test
    void byeFailoverWhoseRegisterAlsoFailsReportsTheByeFailedAndEndsTheCall() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 0);
        Phone a = sim.phone(V2).line(b -> b.keepAliveInterval(0).signalRetryDuration(4)).powerOn();
        call(sim, a, "2000");
        assertThat(a.callState()).isEqualTo(CallState.CONNECTED);
        sim.primary().mode(SILENT);
        sim.backup().mode(SILENT);
        sim.advanceTo(1_000);
        a.onHook();
        assertThat(a.callState()).isEqualTo(CallState.ENDING);
        assertThat(a.display().get(1)).isEqualTo("Ending call");
        sim.advanceTo(60_000);

        CallFailed failed = sim.first(a, CallFailed.class);
        assertThat(failed.request()).isEqualTo("BYE");
        assertThat(failed.at()).isEqualTo(1_000L + 4_000 + 32_000);
        assertThat(failed.reasons()).extracting(r -> r.request() + ":" + r.reason())
                .containsExactly("BYE:timeout", "REGISTER:timeout");
        assertThat(sim.first(a, CallEnded.class).reason()).isEqualTo("bye-failed");
        assertThat(a.callState()).isEqualTo(CallState.IDLE);
    }

    // ---- §10 failback ----------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"UDP", "TCP"})
    void failbackSendsNoExpiresZeroToTheBackupAndStopsRefreshingIt(Transport t) {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V2).transport(t).line(b -> b.failbackInterval(600).backupTtl(300).registerTtl(300))
                .powerOn();
        sim.at(100_000, () -> sim.primary().mode(UP));
        sim.advanceTo(3_600_000);

        long failbackAt = sim.first(p, Failback.class).at();
        assertThat(failbackAt).isEqualTo(16_000L + 600_000);
        assertThat(sim.world().packets(pk -> pk.purpose() == Purpose.UNREGISTER)).isEmpty();
        assertThat(sim.world().packets(pk -> pk.server().equals(BACKUP) && pk.method() == REGISTER
                && pk.at() > failbackAt)).isEmpty();
        // the backup was refreshed before the failback (TTL 300 s: ~255-270 s later)...
        assertThat(sim.world().packets(pk -> pk.server().equals(BACKUP) && pk.purpose() == Purpose.REFRESH))
                .isNotEmpty();
        // ...and the primary is refreshed after it, in the probe's register dialog
        String probeCallId = sim.first(p, FailbackProbe.class).callId();
        assertThat(sim.world().packets(pk -> pk.server().equals(PRIMARY) && pk.purpose() == Purpose.REFRESH))
                .isNotEmpty().allMatch(pk -> pk.callId().equals(probeCallId) && pk.at() > failbackAt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"V2", "V3"})
    void failbackIntervalCountsFromTheRegistrationOnTheBackupNotFromItsRefreshes(String model) {
        Sim sim = new Sim();
        sim.primary().mode(ERROR_503);
        Phone p = sim.phone(FirmwareProfile.byName(model).orElseThrow())
                .line(b -> b.failbackInterval(1000).backupTtl(200)).powerOn();
        sim.at(1_500_000, () -> sim.primary().mode(UP));
        sim.advanceTo(2_100_000);

        // failed probes answered 503 at once; the interval restarts from each
        assertThat(times(sim.events(p, FailbackProbe.class))).containsExactly(1_000_000L, 2_000_000L);
        assertThat(sim.first(p, FailbackProbeFailed.class).reason()).isEqualTo("503");
        assertThat(sim.first(p, Failback.class).at()).isEqualTo(2_000_000L);
    }

    @Test
    void enableFailbackZeroSendsNoProbesAndStaysOnTheBackup() {
        Sim sim = new Sim();
        sim.primary().mode(ERROR_503);
        Phone p = sim.phone(V3).line(b -> b.enableFailback(false).failbackInterval(60)).powerOn();
        sim.at(10_000, () -> sim.primary().mode(UP));
        sim.advanceTo(7_200_000);

        assertThat(sim.events(p, FailbackProbe.class)).isEmpty();
        assertThat(sim.world().packets(pk -> pk.purpose() == Purpose.FAILBACK_PROBE)).isEmpty();
        assertThat(p.activeServer(1)).isEqualTo("backup");
        assertThat(sim.world().packets(pk -> pk.server().equals(BACKUP) && pk.purpose() == Purpose.REFRESH))
                .hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aCallInProgressDuringFailbackKeepsItsRouteAndItsByeGoesThroughTheBackup() {
        Sim sim = new Sim();
        sim.primary().mode(ERROR_503);
        sim.world().autoAnswerNumber("2000", 0);
        Phone p = sim.phone(V3).line(b -> b.failbackInterval(100).keepAliveInterval(0)).powerOn();
        sim.advanceTo(50_000);
        call(sim, p, "2000");
        assertThat(sim.first(p, CallEstablished.class).server().role()).isEqualTo("backup");
        sim.primary().mode(UP);
        sim.advanceTo(150_000);

        assertThat(sim.first(p, Failback.class).at()).isEqualTo(100_000L);
        assertThat(p.activeServer(1)).isEqualTo("primary");
        assertThat(p.callState()).isEqualTo(CallState.CONNECTED);
        p.onHook();
        sim.clock().runDue();
        assertThat(sim.world().packets(pk -> pk.method() == BYE)).extracting(SipWorld.Packet::server)
                .containsExactly(BACKUP);
        assertThat(sim.first(p, CallEnded.class).reason()).isEqualTo("local-hangup");
    }

    // ---- §4 responses ---------------------------------------------------------------------

    @Test
    void a401IsAnsweredWithCredentialsInTheSameRegisterDialog() {
        Sim sim = new Sim();
        sim.phone(V3).powerOn();
        List<SipWorld.Packet> regs = sim.world().packets(pk -> pk.method() == REGISTER);
        assertThat(regs).hasSize(2);
        assertThat(regs.get(0).authorized()).isFalse();
        assertThat(regs.get(1).authorized()).isTrue();
        assertThat(regs.get(1).callId()).isEqualTo(regs.get(0).callId());
        assertThat(regs.get(1).cseq()).isEqualTo(regs.get(0).cseq() + 1);
    }

    @Test
    void a407ToInviteIsAnsweredWithCredentials() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 0);
        Phone p = sim.phone(V3).powerOn();
        call(sim, p, "2000");
        List<SipWorld.Packet> invites = sim.world().packets(pk -> pk.method() == INVITE);
        assertThat(invites).extracting(SipWorld.Packet::authorized).containsExactly(false, true);
        assertThat(p.callState()).isEqualTo(CallState.CONNECTED);
    }

    @Test
    void aWrongPasswordEndsTheRegistrationWithoutFailover() {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).line(b -> b.password("wrong")).powerOn();
        sim.advanceTo(10_000);

        RegisterFailed failed = sim.first(p, RegisterFailed.class);
        assertThat(failed.at()).isZero();
        assertThat(failed.reasons()).extracting(r -> r.server().role() + ":" + r.reason())
                .containsExactly("primary:401");
        assertThat(sim.sendTimes(BACKUP, REGISTER)).isEmpty();
        assertThat(sim.events(p, Failover.class)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {403, 404, 486})
    void aFinalRefusalOfTheRegisterEndsItOnThatServerWithoutFailoverAndRetriesLater(int status) {
        Sim sim = new Sim();
        sim.primary().force(REGISTER, status);
        Phone p = sim.phone(V3).powerOn();
        sim.advanceTo(40_000);

        List<RegisterFailed> failed = sim.events(p, RegisterFailed.class);
        assertThat(times(failed)).containsExactly(0L, 32_000L);
        assertThat(failed.get(0).reasons()).extracting(r -> r.reason()).containsExactly(Integer.toString(status));
        assertThat(sim.sendTimes(BACKUP, REGISTER)).isEmpty();
        assertThat(sim.events(p, Failover.class)).isEmpty();
        assertThat(p.lineState(1)).isEqualTo(LineState.FAILED);
    }

    @ParameterizedTest
    @ValueSource(ints = {403, 404, 486})
    void aFinalRefusalOfTheInviteFailsTheCallWithoutFailover(int status) {
        Sim sim = new Sim();
        Phone p = sim.phone(V3).powerOn();
        sim.primary().force(INVITE, status);
        call(sim, p, "2000");
        sim.advanceTo(40_000);

        CallFailed failed = sim.first(p, CallFailed.class);
        assertThat(failed.at()).isZero();
        assertThat(failed.reasons()).extracting(r -> r.reason()).containsExactly(Integer.toString(status));
        assertThat(sim.world().packets(pk -> pk.server().equals(BACKUP))).isEmpty();
        assertThat(sim.events(p, Failover.class)).isEmpty();
        assertThat(p.activeServer(1)).isEqualTo("primary");
        assertThat(p.display().get(1)).isEqualTo(status == 486 ? "Busy" : "Call Failed");
    }

    @Test
    void aProvisionalResponseStopsTheBudgetClock() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("3000", 20_000);
        Phone p = sim.phone(V3).line(b -> b.keepAliveInterval(0)).powerOn();
        call(sim, p, "3000");
        sim.advanceTo(30_000);

        // ringing for 20 s, far beyond the 7.5 s budget: no failover, answered on the primary
        assertThat(sim.events(p, Failover.class)).isEmpty();
        CallEstablished up = sim.first(p, CallEstablished.class);
        assertThat(up.at()).isEqualTo(20_000L);
        assertThat(up.server().role()).isEqualTo("primary");
    }

    @Test
    void a503AfterAProvisionalIsARefusalNotAFailover() {
        Sim sim = new Sim();
        Phone caller = sim.phone(V3).user("1001").line(b -> b.keepAliveInterval(0)).powerOn();
        Phone callee = sim.phone(V3).user("1002").line(b -> b.keepAliveInterval(0)).powerOn();
        call(sim, caller, "1002");
        assertThat(callee.callState()).isEqualTo(CallState.RINGING);
        sim.advanceTo(2_000);
        // the callee's side answers 503 after the 180 (a downstream failure relayed by the proxy)
        sim.world().respond(new io.sipfleet.device.sip.InboundRequest(INVITE, 1, callee.view().callId(), "1001", "",
                0, sim.world().dialogHandle(callee.view().callId())), 503);
        sim.advanceTo(40_000);

        assertThat(sim.events(caller, Failover.class)).isEmpty();
        CallFailed failed = sim.first(caller, CallFailed.class);
        assertThat(failed.at()).isEqualTo(2_000L);
        assertThat(failed.reasons()).extracting(r -> r.reason()).containsExactly("503");
        assertThat(caller.activeServer(1)).isEqualTo("primary");
    }

    // ---- a server list of three -------------------------------------------------------------

    @Test
    void aListOfThreeGivesEveryServerButTheLastTheBudget() {
        Sim sim = new Sim();
        sim.addThird();
        sim.primary().mode(SILENT);
        sim.backup().mode(SILENT);
        Phone p = sim.phone(V3).line(b -> b.addServer(Sim.THIRD_HOST, 5060, 3600, Transport.UDP)
                .failbackInterval(600)).powerOn();
        sim.at(100_000, () -> sim.primary().mode(UP));
        sim.advanceTo(700_000);

        assertThat(sim.sendTimes(PRIMARY, REGISTER)).startsWith(0L, 500L, 1_500L, 3_500L);
        assertThat(sim.sendTimes(BACKUP, REGISTER)).containsExactly(7_500L, 8_000L, 9_000L, 11_000L);
        assertThat(sim.events(p, Failover.class)).extracting(f -> f.from().role() + ">" + f.to().role() + "@" + f.at())
                .containsExactly("primary>backup@7500", "backup>server3@15000");
        Registered r = sim.first(p, Registered.class);
        assertThat(r.at()).isEqualTo(15_000L);
        assertThat(r.server().role()).isEqualTo("server3");
        // failback probes go to Server1
        FailbackProbe probe = sim.first(p, FailbackProbe.class);
        assertThat(probe.at()).isEqualTo(615_000L);
        assertThat(probe.server().role()).isEqualTo("primary");
        assertThat(sim.first(p, Failback.class).at()).isEqualTo(615_000L);
    }

    @Test
    void aListOfThreeInviteFailoverWalksOnToTheThirdServerWhenTheBackupRegisterFails() {
        Sim sim = new Sim();
        sim.addThird();
        sim.world().autoAnswerNumber("2000", 0);
        Phone p = sim.phone(V3).line(b -> b.addServer(Sim.THIRD_HOST, 5060, 3600, Transport.UDP)
                .keepAliveInterval(0)).powerOn();
        sim.primary().mode(SILENT);
        sim.backup().mode(SILENT);
        call(sim, p, "2000");
        sim.advanceTo(30_000);

        assertThat(sim.events(p, Failover.class)).extracting(f -> f.request() + ":" + f.to().role() + "@" + f.at())
                .containsExactly("INVITE:backup@7500", "REGISTER:server3@15000");
        CallEstablished up = sim.first(p, CallEstablished.class);
        assertThat(up.at()).isEqualTo(15_000L);
        assertThat(up.server().role()).isEqualTo("server3");
        assertThat(p.activeServer(1)).isEqualTo("server3");
    }
}
