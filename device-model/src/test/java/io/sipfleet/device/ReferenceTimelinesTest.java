package io.sipfleet.device;

import static io.sipfleet.device.FirmwareProfile.V2;
import static io.sipfleet.device.FirmwareProfile.V3;
import static io.sipfleet.device.sip.Method.INVITE;
import static io.sipfleet.device.sip.Method.REGISTER;
import static io.sipfleet.device.testing.Sim.BACKUP;
import static io.sipfleet.device.testing.Sim.PRIMARY;
import static io.sipfleet.device.virtual.SipWorld.Mode.DOWN;
import static io.sipfleet.device.virtual.SipWorld.Mode.ERROR_500;
import static io.sipfleet.device.virtual.SipWorld.Mode.ERROR_503;
import static io.sipfleet.device.virtual.SipWorld.Mode.SILENT;
import static io.sipfleet.device.virtual.SipWorld.Mode.UP;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.config.Transport;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneEvent.Failback;
import io.sipfleet.device.event.PhoneEvent.FailbackProbe;
import io.sipfleet.device.event.PhoneEvent.FailbackProbeFailed;
import io.sipfleet.device.event.PhoneEvent.Failover;
import io.sipfleet.device.event.PhoneEvent.RegisterFailed;
import io.sipfleet.device.event.PhoneEvent.Registered;
import io.sipfleet.device.event.PhoneEvent.Registering;
import io.sipfleet.device.event.PhoneEvent.SentLate;
import io.sipfleet.device.testing.Sim;
import io.sipfleet.device.virtual.SipWorld;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every row of behaviour.md §13, at the exact millisecond of virtual time (T1 = 500 ms unless said). */
class ReferenceTimelinesTest {

    // ---- row 1: V3 R=3, primary silent, backup up ------------------------------------------

    @Test
    void v3UdpPrimarySilentSendsAtZeroHalfOneAndAHalfThreeAndAHalfThenBackupAtSevenAndAHalf() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V3).powerOn();
        sim.advanceTo(60_000);

        assertThat(sim.sendTimes(PRIMARY, REGISTER)).containsExactly(0L, 500L, 1_500L, 3_500L);
        // unauthenticated REGISTER, 401, authenticated REGISTER: both at 7.5 s (no latency)
        assertThat(sim.sendTimes(BACKUP, REGISTER)).containsExactly(7_500L, 7_500L);
        Failover f = sim.first(p, Failover.class);
        assertThat(f.at()).isEqualTo(7_500L);
        assertThat(f.from().role()).isEqualTo("primary");
        assertThat(f.to().role()).isEqualTo("backup");
        assertThat(f.request()).isEqualTo("REGISTER");
        assertThat(f.reason()).isEqualTo("timeout");
        Registered r = sim.first(p, Registered.class);
        assertThat(r.at()).isEqualTo(7_500L);
        assertThat(r.server().role()).isEqualTo("backup");
        assertThat(p.lineState(1)).isEqualTo(LineState.REGISTERED);
        assertThat(p.activeServer(1)).isEqualTo("backup");
    }

    /**
     * §5 counts the budget from the first send on the wire: when the adapter was late to send it (a cold
     * first send, a simulator behind its own work), the failover comes 7.5 s after the REGISTER left, not
     * 7.5 s after the phone decided to send it.
     */
    @Test
    void v3TheBudgetRunsFromTheFirstSendOnTheWireWhenItLeftLate() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        sim.world().lagNextSend(120);
        Phone p = sim.phone(V3).powerOn();
        sim.advanceTo(60_000);

        assertThat(sim.sendTimes(PRIMARY, REGISTER)).containsExactly(120L, 620L, 1_620L, 3_620L);
        assertThat(sim.sendTimes(BACKUP, REGISTER)).containsExactly(7_620L, 7_620L);
        assertThat(sim.first(p, Failover.class).at()).isEqualTo(7_620L);
        assertThat(sim.first(p, Registered.class).server().role()).isEqualTo("backup");
    }

    /**
     * A request that reached the wire later than the phone's timing set for it is said at once, in an event of
     * its own (the simulator marks it {@code overloaded}): the late instant is never passed off as the server's.
     */
    @Test
    void aRequestThatLeftLateIsSaidInASentLateEventWhenItLeaves() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        sim.world().lagNextSend(120);
        Phone p = sim.phone(V3).powerOn();
        sim.advanceTo(60_000);

        SentLate late = sim.first(p, SentLate.class);
        assertThat(late.at()).isEqualTo(120L);
        assertThat(late.lateMs()).isEqualTo(120L);
        assertThat(late.request()).isEqualTo("REGISTER");
        assertThat(late.server().role()).isEqualTo("primary");
        assertThat(late.type()).isEqualTo("sent-late");
        assertThat(sim.events(p, SentLate.class)).hasSize(1); // the backup's REGISTER was on time
    }

    @Test
    void v3TcpPrimarySilentSendsOnceAndFailsOverAtTheSameSevenAndAHalf() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V3).transport(Transport.TCP).powerOn();
        sim.advanceTo(60_000);

        assertThat(sim.sendTimes(PRIMARY, REGISTER)).containsExactly(0L);
        assertThat(sim.sendTimes(BACKUP, REGISTER)).containsExactly(7_500L, 7_500L);
        assertThat(sim.first(p, Registered.class).at()).isEqualTo(7_500L);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void v3BudgetIsTheInstantRetransmissionRPlusOneWouldBeDue(int r) {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V3).line(b -> b.signalRetryCounts(r)).powerOn();
        sim.advanceTo(60_000);

        // non-INVITE: Timer E doubles from T1 up to T2 = 4 s: 0.5, 1.5, 3.5, 7.5, 11.5, 15.5
        long[] retransmissions = {500, 1_500, 3_500, 7_500, 11_500, 15_500};
        Long[] expectedSends = new Long[r + 1];
        expectedSends[0] = 0L;
        for (int i = 1; i <= r; i++) {
            expectedSends[i] = retransmissions[i - 1];
        }
        assertThat(sim.sendTimes(PRIMARY, REGISTER)).containsExactly(expectedSends);
        assertThat(sim.first(p, Failover.class).at()).isEqualTo(retransmissions[r]);
    }

    @Test
    void v3WithT1Of50MsEveryInstantScales() {
        Sim sim = new Sim().t1(50);
        sim.primary().mode(SILENT);
        sim.backup().mode(SILENT);
        Phone p = sim.phone(V3).powerOn();
        sim.advanceTo(10_000);

        assertThat(sim.sendTimes(PRIMARY, REGISTER)).containsExactly(0L, 50L, 150L, 350L);
        // backup is last: Timer E capped at T2 = 400 ms, until 64*T1 = 3.2 s
        assertThat(sim.sendTimes(BACKUP, REGISTER)).containsExactly(750L, 800L, 900L, 1_100L, 1_500L, 1_900L,
                2_300L, 2_700L, 3_100L, 3_500L, 3_900L);
        assertThat(sim.first(p, Failover.class).at()).isEqualTo(750L);
        assertThat(sim.first(p, RegisterFailed.class).at()).isEqualTo(750L + 3_200L);
    }

    // ---- row 2: V2 D=16 ------------------------------------------------------------------

    @Test
    void v2UdpPrimarySilentRetransmitsOnTheScheduleUntilFifteenAndAHalfThenBackupAtSixteen() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V2).powerOn();
        sim.advanceTo(60_000);

        assertThat(sim.sendTimes(PRIMARY, REGISTER))
                .containsExactly(0L, 500L, 1_500L, 3_500L, 7_500L, 11_500L, 15_500L);
        assertThat(sim.sendTimes(BACKUP, REGISTER)).containsExactly(16_000L, 16_000L);
        assertThat(sim.first(p, Failover.class).at()).isEqualTo(16_000L);
        assertThat(sim.first(p, Registered.class).at()).isEqualTo(16_000L);
    }

    @Test
    void v2TcpPrimarySilentSendsOnceAndFailsOverAtD() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V2).transport(Transport.TCP).line(b -> b.signalRetryDuration(9)).powerOn();
        sim.advanceTo(60_000);

        assertThat(sim.sendTimes(PRIMARY, REGISTER)).containsExactly(0L);
        assertThat(sim.first(p, Failover.class).at()).isEqualTo(9_000L);
        assertThat(sim.first(p, Registered.class).server().role()).isEqualTo("backup");
    }

    @Test
    void v2DurationIsConfiguredInSecondsAndDoesNotScaleWithT1() {
        Sim sim = new Sim().t1(50);
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V2).line(b -> b.signalRetryDuration(2)).powerOn();
        sim.advanceTo(10_000);

        assertThat(sim.first(p, Failover.class).at()).isEqualTo(2_000L);
        // T1 = 50 ms, T2 = 400 ms: 0, 50, 150, 350, 750, 1150, 1550, 1950
        assertThat(sim.sendTimes(PRIMARY, REGISTER))
                .containsExactly(0L, 50L, 150L, 350L, 750L, 1_150L, 1_550L, 1_950L);
    }

    @Test
    void v2DurationLongerThan64T1IsBoundedByTheTransactionTimeout() {
        Sim sim = new Sim().t1(50);
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V2).line(b -> b.signalRetryDuration(16)).powerOn();
        sim.advanceTo(10_000);

        assertThat(sim.first(p, Failover.class).at()).isEqualTo(3_200L);
    }

    // ---- rows 3 and 4: 503 / 500 and a closed port --------------------------------------------

    @ParameterizedTest
    @EnumSource(value = SipWorld.Mode.class, names = {"ERROR_503", "ERROR_500", "DOWN"})
    void primaryUnavailableAtOnceFailsOverAtZeroForBothModelsAndTransports(SipWorld.Mode mode) {
        for (FirmwareProfile model : List.of(V2, V3)) {
            for (Transport t : List.of(Transport.UDP, Transport.TCP)) {
                Sim sim = new Sim();
                sim.primary().mode(mode);
                Phone p = sim.phone(model).transport(t).powerOn();
                sim.advanceTo(1_000);

                assertThat(sim.sendTimes(PRIMARY, REGISTER)).as("%s %s", model.name(), t).containsExactly(0L);
                Failover f = sim.first(p, Failover.class);
                assertThat(f.at()).isZero();
                String expectedReason = switch (mode) {
                    case ERROR_503 -> "503";
                    case ERROR_500 -> "500";
                    default -> t == Transport.UDP ? "icmp-unreachable" : "tcp-refused";
                };
                assertThat(f.reason()).isEqualTo(expectedReason);
                assertThat(sim.first(p, Registered.class).at()).isZero();
                assertThat(p.activeServer(1)).isEqualTo("backup");
            }
        }
    }

    // ---- row 5: both silent --------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"UDP", "TCP"})
    void v3BothSilentFailsAtThirtyNineAndAHalfAndWalksAgainThirtyTwoSecondsLater(Transport t) {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        sim.backup().mode(SILENT);
        Phone p = sim.phone(V3).transport(t).powerOn();
        sim.advanceTo(80_000);

        RegisterFailed failed = sim.first(p, RegisterFailed.class);
        assertThat(failed.at()).isEqualTo(39_500L);
        assertThat(failed.retryAt()).isEqualTo(71_500L);
        assertThat(failed.reasons()).extracting(r -> r.server().role() + ":" + r.reason())
                .containsExactly("primary:timeout", "backup:timeout");
        List<Registering> walks = sim.events(p, Registering.class);
        assertThat(walks).extracting(PhoneEvent::at).containsExactly(0L, 71_500L);
        assertThat(walks.get(1).trigger()).isEqualTo("retry");
        assertThat(sim.sendTimes(PRIMARY, REGISTER)).contains(71_500L);
        if (t == Transport.UDP) {
            // the last server is retransmitted until 64*T1
            assertThat(sim.sendTimes(BACKUP, REGISTER)).startsWith(7_500L, 8_000L, 9_000L, 11_000L, 15_000L,
                    19_000L);
        } else {
            assertThat(sim.sendTimes(BACKUP, REGISTER)).containsExactly(7_500L, 71_500L + 7_500L);
        }
        assertThat(p.lineState(1)).isEqualTo(LineState.REGISTERING);
        assertThat(p.display().get(0)).contains("Registering");
    }

    @Test
    void v2BothSilentFailsAtDPlusThirtyTwo() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        sim.backup().mode(SILENT);
        Phone p = sim.phone(V2).powerOn();
        sim.advanceTo(50_000);

        assertThat(sim.first(p, RegisterFailed.class).at()).isEqualTo(48_000L);
        assertThat(p.lineState(1)).isEqualTo(LineState.FAILED);
        assertThat(p.display().get(0)).endsWith("Registration Failed");
    }

    // ---- rows 6 and 7: failback -----------------------------------------------------------

    /** When each model is registered on the backup with the primary silent from the start: V3 7.5 s, V2 16 s. */
    private static long onBackupAt(String model) {
        return model.equals("V3") ? 7_500L : 16_000L;
    }

    @ParameterizedTest
    @ValueSource(strings = {"V2", "V3"})
    void onBackupTheProbeGoesAtPlusFailbackIntervalAndFailsBackWhenThePrimaryIsBack(String model) {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(FirmwareProfile.byName(model).orElseThrow()).powerOn();
        sim.at(100_000, () -> sim.primary().mode(UP));
        long onBackup = onBackupAt(model);
        sim.advanceTo(onBackup + 1_800_000 + 1);

        assertThat(sim.first(p, Registered.class).at()).isEqualTo(onBackup);
        FailbackProbe probe = sim.first(p, FailbackProbe.class);
        assertThat(probe.at()).isEqualTo(onBackup + 1_800_000);
        Failback fb = sim.first(p, Failback.class);
        assertThat(fb.at()).isEqualTo(onBackup + 1_800_000);
        assertThat(fb.server().role()).isEqualTo("primary");
        assertThat(fb.from().role()).isEqualTo("backup");
        // a new register dialog: a Call-ID the line has not used before
        assertThat(probe.callId()).isNotEqualTo(sim.first(p, Registered.class).callId());
        assertThat(fb.callId()).isEqualTo(probe.callId());
        assertThat(p.activeServer(1)).isEqualTo("primary");
    }

    @ParameterizedTest
    @ValueSource(strings = {"V2", "V3"})
    void onBackupWithThePrimaryStillSilentTheProbeRetransmitsThirtyTwoSecondsAndTheNextComesAnIntervalLater(
            String model) {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(FirmwareProfile.byName(model).orElseThrow()).powerOn();
        sim.advanceTo(3_700_000);

        long probe1 = onBackupAt(model) + 1_800_000;
        List<FailbackProbe> probes = sim.events(p, FailbackProbe.class);
        assertThat(probes).extracting(PhoneEvent::at).containsExactly(probe1, probe1 + 32_000 + 1_800_000);
        List<Long> probeSends = sim.world().packets(pk -> pk.callId().equals(probes.get(0).callId()))
                .stream().map(pk -> pk.at() - probe1).toList();
        // RFC 3261 Timer E for a REGISTER, capped at T2 = 4 s, until Timer F = 32 s
        assertThat(probeSends).containsExactly(0L, 500L, 1_500L, 3_500L, 7_500L, 11_500L, 15_500L, 19_500L,
                23_500L, 27_500L, 31_500L);
        FailbackProbeFailed failed = sim.first(p, FailbackProbeFailed.class);
        assertThat(failed.at()).isEqualTo(probe1 + 32_000);
        assertThat(failed.reason()).isEqualTo("timeout");
        assertThat(failed.nextProbeAt()).isEqualTo(probe1 + 32_000 + 1_800_000);
        assertThat(p.activeServer(1)).isEqualTo("backup");
        assertThat(sim.events(p, Failback.class)).isEmpty();
    }

    // ---- row 8: invite failover -------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"UDP", "TCP"})
    void v3CallOnSilentPrimaryRetriesInviteThenRegistersOnBackupAndConnectsThere(Transport t) {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 0);
        Phone p = sim.phone(V3).transport(t).line(b -> b.keepAliveInterval(0)).powerOn();
        sim.at(10_000, () -> sim.primary().mode(SILENT));
        sim.advanceTo(20_000);
        p.offHook();
        p.press(Key.parseDialString("2000#", "keys"));
        sim.advanceTo(40_000);

        List<Long> invitesToPrimary = sim.sendTimes(PRIMARY, INVITE);
        if (t == Transport.UDP) {
            assertThat(invitesToPrimary).containsExactly(20_000L, 20_500L, 21_500L, 23_500L);
        } else {
            assertThat(invitesToPrimary).containsExactly(20_000L);
        }
        Failover f = sim.first(p, Failover.class);
        assertThat(f.at()).isEqualTo(27_500L);
        assertThat(f.request()).isEqualTo("INVITE");
        assertThat(sim.sendTimes(BACKUP, REGISTER)).containsExactly(27_500L, 27_500L);
        assertThat(sim.events(p, Registered.class)).extracting(e -> e.server().role() + "@" + e.at())
                .containsExactly("primary@0", "backup@27500");
        assertThat(sim.sendTimes(BACKUP, INVITE)).containsExactly(27_500L, 27_500L); // 407, then with credentials
        PhoneEvent.CallEstablished up = sim.first(p, PhoneEvent.CallEstablished.class);
        assertThat(up.at()).isEqualTo(27_500L);
        assertThat(up.server().role()).isEqualTo("backup");
        assertThat(p.callState()).isEqualTo(Outputs.CallState.CONNECTED);
        assertThat(p.display()).containsExactly("L1 1001 Registered", "Connected 2000");
    }

    @Test
    void v3InviteBudgetFollowsTimerAWhichIsNotCappedAtT2() {
        Sim sim = new Sim();
        sim.world().autoAnswerNumber("2000", 0);
        Phone p = sim.phone(V3).line(b -> b.signalRetryCounts(5).keepAliveInterval(0)).powerOn();
        sim.primary().mode(SILENT);
        p.press(Key.parseDialString("2000#", "keys"));
        sim.advanceTo(60_000);

        // INVITE: 0.5, 1.5, 3.5, 7.5, 15.5; the 6th retransmission would be due at 31.5
        assertThat(sim.sendTimes(PRIMARY, INVITE)).containsExactly(0L, 500L, 1_500L, 3_500L, 7_500L, 15_500L);
        assertThat(sim.first(p, Failover.class).at()).isEqualTo(31_500L);
    }

    @Test
    void primaryBackDuringRetransmissionsAnswersTheNextRetransmissionWithoutFailover() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V3).powerOn();
        sim.at(1_000, () -> sim.primary().mode(UP));
        sim.advanceTo(10_000);

        assertThat(sim.first(p, Registered.class).at()).isEqualTo(1_500L);
        assertThat(sim.first(p, Registered.class).server().role()).isEqualTo("primary");
        assertThat(sim.events(p, Failover.class)).isEmpty();
    }

    @Test
    void primary500MidWalkCountsAsUnavailable() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        Phone p = sim.phone(V3).powerOn();
        sim.at(1_000, () -> sim.primary().mode(ERROR_500));
        sim.advanceTo(10_000);

        Failover f = sim.first(p, Failover.class);
        assertThat(f.at()).isEqualTo(1_500L);
        assertThat(f.reason()).isEqualTo("500");
    }

    @Test
    void closedPortOnTheBackupAfterASilentPrimaryFailsAtSevenAndAHalf() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        sim.backup().mode(DOWN);
        Phone p = sim.phone(V3).powerOn();
        sim.advanceTo(10_000);

        RegisterFailed failed = sim.first(p, RegisterFailed.class);
        assertThat(failed.at()).isEqualTo(7_500L);
        assertThat(failed.reasons()).extracting(r -> r.reason()).containsExactly("timeout", "icmp-unreachable");
        assertThat(p.view().line(1).led()).isEqualTo(Outputs.Led.RED);
    }

    @Test
    void backup503AfterSilentPrimaryFailsAtOnceWithBothReasons() {
        Sim sim = new Sim();
        sim.primary().mode(SILENT);
        sim.backup().mode(ERROR_503);
        Phone p = sim.phone(V2).line(b -> b.signalRetryDuration(4)).powerOn();
        sim.advanceTo(10_000);

        RegisterFailed failed = sim.first(p, RegisterFailed.class);
        assertThat(failed.at()).isEqualTo(4_000L);
        assertThat(failed.reasons()).extracting(r -> r.server().role() + ":" + r.request() + ":" + r.reason())
                .containsExactly("primary:REGISTER:timeout", "backup:REGISTER:503");
    }
}
