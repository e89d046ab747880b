package io.sipfleet.simulator.wire;

import static io.sipfleet.device.FirmwareProfile.V2;
import static io.sipfleet.device.FirmwareProfile.V3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.Key;
import io.sipfleet.device.Outputs;
import io.sipfleet.device.config.Transport;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneEvent.CallEnded;
import io.sipfleet.device.event.PhoneEvent.CallEstablished;
import io.sipfleet.device.event.PhoneEvent.Failback;
import io.sipfleet.device.event.PhoneEvent.FailbackProbe;
import io.sipfleet.device.event.PhoneEvent.Failover;
import io.sipfleet.device.event.PhoneEvent.RegisterFailed;
import io.sipfleet.device.event.PhoneEvent.Registered;
import io.sipfleet.device.event.PhoneEvent.Registering;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.PhoneHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * behaviour.md §13 on the real wire, T1 = 50 ms (V3 R = 3: a non-last server is given up at 750 ms,
 * the last at 64*T1 = 3.2 s; V2 with D = 1 s). Every observed instant is compared with the spec and
 * the deviation printed, within 20% of T1 (10 ms), except ICMP detection (100 ms, issue 3), the "≈"
 * instants below (2 x 20% of T1: see {@link RedundantPair#answerTolerance}),
 * and the end of a call's set-up or tear-down, which behaviour.md does not time ({@link #CALL_TOLERANCE}).
 * Instants the firmware decides (a budget running out, a probe, register-failed, a 503's failover)
 * are compared with the §13 numbers. Instants §13 gives as "≈" (registered(backup) ≈ 7.5, failback,
 * connected) add a server's answer time to a firmware instant; that answer time is measured in the
 * same run, on the same server, with nothing failing ({@link #registrationTime}, {@link #callTimes}:
 * the median of three), so what is asserted is that failing over adds nothing but the §13 wait.
 * Subclasses give the server pair: the built-in servers (fast, default run) or real Kamailio (IT).
 */
abstract class FailoverOnTheWireScenarios {
    static final long T1 = 50;
    /** Instants the firmware's own timers decide (a budget running out, a probe, register-failed): 20% of T1. */
    static final long TOLERANCE = T1 / 5;
    /**
     * Answer instants where no baseline is measured (the faults scenarios: a delayed registration, a
     * fault's own answer): 3 x 20% of T1.
     */
    static final long ANSWERED = 3 * TOLERANCE;
    /**
     * "connected" (§7, §13) and a call ended through the backup (§8) have no instant in behaviour.md: they
     * are compared with the budget plus the registration and call times measured in the same run, within
     * 4 x 20% of T1 (a call crosses the proxy and a second phone, whose times vary most).
     */
    static final long CALL_TOLERANCE = 4 * TOLERANCE;
    static final long V3_BUDGET = 750;
    static final long LAST_BUDGET = 64 * T1;
    private static final AtomicLong USERS = new AtomicLong(3000);

    abstract RedundantPair pair();

    abstract WireRig rig();

    @AfterEach
    void serversBackUp() {
        pair().mode("primary", "up");
        pair().mode("backup", "up");
    }

    /** One round of registrations and a call before anything is measured: the JIT is warm, sockets open. */
    static void warmUp(RedundantPair pair, WireRig rig) {
        long first = users(6);
        Fleet f = rig.fleet(pair, V3, 6, first, Transport.UDP, true, b -> b);
        for (PhoneHandle p : f.phones()) {
            rig.await(p, Registered.class, 10_000);
        }
        PhoneHandle caller = f.phones().get(0);
        caller.run(p -> p.press(Key.parseDialString((first + 1) + "#", "keys")));
        rig.await(caller, CallEstablished.class, 10_000);
        caller.run(p -> p.press(Key.CANCEL));
        rig.await(caller, CallEnded.class, 10_000);
    }

    static long users(int n) {
        return USERS.getAndAdd(n);
    }

    private void within(String what, long observed, long expected, long tolerance) {
        long dev = observed - expected;
        System.out.printf("[%s] %s: expected +%d ms, observed +%d ms, deviation %+d ms (tolerance %d)%n",
                pair().name(), what, expected, observed, dev, tolerance);
        assertThat(Math.abs(dev)).as(what + " deviation").isLessThanOrEqualTo(tolerance);
    }

    /** The budget of a non-last server: V3 R = 3 at T1 = 50 ms, V2 D = 1 s. */
    static long budget(FirmwareProfile model) {
        return model == V3 ? V3_BUDGET : 1_000;
    }

    /**
     * The pair's answer tolerance; TLS rows get twice 20% of T1 (records are encrypted and decrypted on
     * both sides, on the same two cores: measured 0 to 10 ms more than UDP and TCP on Kamailio).
     */
    private long answerTolerance(Transport t) {
        return t == Transport.TLS ? Math.max(pair().answerTolerance(), 2 * TOLERANCE) : pair().answerTolerance();
    }

    private int port(String server, Transport t) {
        return t == Transport.TLS ? pair().tlsPort(server) : pair().port(server);
    }

    private static long median(List<Long> samples) {
        List<Long> s = new ArrayList<>(samples);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    /**
     * How long a registration takes on {@code server} with nothing failing (REGISTER, 401, REGISTER,
     * 200), measured now: the median of three phones whose Server1 it is, one after another.
     */
    long registrationTime(FirmwareProfile model, Transport t, String server) {
        String other = server.equals("primary") ? "backup" : "primary";
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PhoneHandle p = rig().fleet(pair(), model, 1, users(1), t, false, b -> b
                    .registerAddr(pair().host(server)).registerPort(port(server, t))
                    .backupAddr(pair().host(other)).backupPort(port(other, t))).phones().get(0);
            long start = rig().await(p, Registering.class, 5_000).at();
            Registered r = rig().await(p, Registered.class, 5_000);
            assertThat(r.server().address()).contains(pair().host(server));
            samples.add(r.at() - start);
        }
        long m = median(samples);
        System.out.printf("[%s] baseline: %s %s registration on the %s: %s ms, median %d ms%n", pair().name(),
                model.name(), t, server, samples, m);
        return m;
    }

    /** Set-up (placed to established) and tear-down (hang-up to ended) of a call, in ms. */
    record CallTimes(long setUp, long tearDown) {}

    /**
     * How long a call takes to set up and to end through {@code server} with nothing failing, measured
     * now: the medians of three calls from phones whose Server1 it is to an auto-answering phone on the
     * primary (as the scenarios' callee).
     */
    CallTimes callTimes(FirmwareProfile model, Transport t, String server) {
        String other = server.equals("primary") ? "backup" : "primary";
        long calleeUser = users(1);
        PhoneHandle callee = rig().fleet(pair(), V3, 1, calleeUser, Transport.UDP, true, l -> l).phones().get(0);
        rig().await(callee, Registered.class, 5_000);
        List<Long> setUp = new ArrayList<>();
        List<Long> tearDown = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PhoneHandle a = rig().fleet(pair(), model, 1, users(1), t, false, b -> b
                    .registerAddr(pair().host(server)).registerPort(port(server, t))
                    .backupAddr(pair().host(other)).backupPort(port(other, t))).phones().get(0);
            rig().await(a, Registered.class, 5_000);
            int endedBefore = count(callee, CallEnded.class);
            a.run(p -> p.press(Key.parseDialString(calleeUser + "#", "keys")));
            PhoneEvent placed = rig().await(a, PhoneEvent.CallPlaced.class, 5_000);
            CallEstablished up = rig().await(a, CallEstablished.class, 5_000);
            long hangUp = System.currentTimeMillis();
            a.run(p -> p.press(Key.CANCEL));
            CallEnded ended = rig().await(a, CallEnded.class, 5_000);
            awaitCount(callee, CallEnded.class, endedBefore + 1);
            setUp.add(up.at() - placed.at());
            tearDown.add(ended.at() - hangUp);
        }
        CallTimes c = new CallTimes(median(setUp), median(tearDown));
        System.out.printf("[%s] baseline: %s %s calls through the %s: set-up %s ms, tear-down %s ms, medians %s%n",
                pair().name(), model.name(), t, server, setUp, tearDown, c);
        return c;
    }

    private int count(PhoneHandle p, Class<? extends PhoneEvent> type) {
        return (int) rig().events(p.id()).stream().filter(type::isInstance).count();
    }

    private void awaitCount(PhoneHandle p, Class<? extends PhoneEvent> type, int n) {
        long deadline = System.currentTimeMillis() + 5_000;
        while (count(p, type) < n) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(p.id() + ": fewer than " + n + " " + type.getSimpleName());
            }
            Thread.onSpinWait();
        }
    }

    static FirmwareProfile model(String name) {
        return FirmwareProfile.byName(name).orElseThrow();
    }

    /** One phone on the pair; over TLS on the servers' TLS ports (the scenario is skipped where there is no TLS). */
    private Fleet one(FirmwareProfile model, Transport t) {
        if (t == Transport.TLS) {
            assumeTrue(pair().supportsTls(), pair().name() + " has no TLS");
            return rig().fleet(pair(), model, 1, users(1), t, false, b -> b.registerPort(pair().tlsPort("primary"))
                    .backupPort(pair().tlsPort("backup")).signalRetryDuration(1));
        }
        return rig().fleet(pair(), model, 1, users(1), t, false, b -> b.signalRetryDuration(1));
    }

    /**
     * TLS rows: the phones' stack makes its TLS connections to both servers first, with both up, as
     * the UDP and TCP rows find theirs (a TCP connect costs ~0.1 ms on loopback; a TLS handshake 5 to
     * 40 ms on this kind of machine, more than the tolerance of an instant the firmware decides).
     * The handshake itself, failing, is measured by the tls package's tests.
     */
    private void tlsConnectionsUp(Transport t) {
        if (t != Transport.TLS) {
            return;
        }
        assumeTrue(pair().supportsTls(), pair().name() + " has no TLS");
        for (String first : new String[] {"primary", "backup"}) {
            String second = first.equals("primary") ? "backup" : "primary";
            PhoneHandle p = rig().fleet(pair(), V3, 1, users(1), t, false, b -> b
                    .registerAddr(pair().host(first)).registerPort(pair().tlsPort(first))
                    .backupAddr(pair().host(second)).backupPort(pair().tlsPort(second))).phones().get(0);
            assertThat(rig().await(p, Registered.class, 5_000).server().role()).isEqualTo("primary");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"V3,UDP", "V3,TCP", "V2,UDP", "V2,TCP", "V3,TLS"})
    void primarySilentFailsOverToTheBackupAtTheBudget(String model, Transport t) {
        tlsConnectionsUp(t);
        long onBackup = registrationTime(model(model), t, "backup");
        pair().mode("primary", "silent");
        PhoneHandle p = one(FirmwareProfile.byName(model).orElseThrow(), t).phones().get(0);
        long start = rig().await(p, Registering.class, 5_000).at();
        Failover f = rig().await(p, Failover.class, 5_000);
        Registered r = rig().await(p, Registered.class, 5_000);
        long budget = model.equals("V3") ? V3_BUDGET : 1_000;
        within(model + " " + t + " primary silent: failover", f.at() - start, budget, TOLERANCE);
        within(model + " " + t + " primary silent: registered(backup)", r.at() - start, budget + onBackup,
                answerTolerance(t));
        assertThat(f.reason()).isEqualTo("timeout");
        assertThat(r.server().role()).isEqualTo("backup");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"V3,UDP", "V3,TCP", "V2,UDP", "V2,TCP", "V3,TLS"})
    void primary503FailsOverAtOnce(String model, Transport t) {
        tlsConnectionsUp(t);
        long onBackup = registrationTime(model(model), t, "backup");
        pair().mode("primary", "503");
        PhoneHandle p = one(model(model), t).phones().get(0);
        long start = rig().await(p, Registering.class, 5_000).at();
        Failover f = rig().await(p, Failover.class, 5_000);
        Registered r = rig().await(p, Registered.class, 5_000);
        // §13 "backup at ≈ 0": the 503 comes back within a round trip and the REGISTER goes to the backup at once
        within(model + " " + t + " primary 503: failover", f.at() - start, 0, TOLERANCE);
        within(model + " " + t + " primary 503: registered(backup)", r.at() - f.at(), onBackup, answerTolerance(t));
        assertThat(f.reason()).isEqualTo("503");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"V3,UDP", "V3,TCP", "V2,UDP", "V2,TCP"})
    void primaryDownIsSeenAtOnceByIcmpOrTcpRefused(String model, Transport t) {
        pair().mode("primary", "down");
        PhoneHandle p = one(model(model), t).phones().get(0);
        long start = rig().await(p, Registering.class, 5_000).at();
        Failover f = rig().await(p, Failover.class, 5_000);
        rig().await(p, Registered.class, 5_000);
        within(model + " " + t + " primary down: failover", f.at() - start, 0, 100);
        assertThat(f.reason()).isEqualTo(t == Transport.UDP ? "icmp-unreachable" : "tcp-refused");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"V3,UDP", "V3,TCP", "V2,UDP", "V2,TCP"})
    void bothSilentFailTheRegistrationAtBudgetPlus64T1(String model, Transport t) {
        pair().mode("primary", "silent");
        pair().mode("backup", "silent");
        PhoneHandle p = one(model(model), t).phones().get(0);
        long start = rig().await(p, Registering.class, 5_000).at();
        RegisterFailed failed = rig().await(p, RegisterFailed.class, 8_000);
        within(model + " " + t + " both silent: register-failed", failed.at() - start,
                budget(model(model)) + LAST_BUDGET, TOLERANCE);
        assertThat(failed.reasons()).extracting(r -> r.reason()).containsExactly("timeout", "timeout");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"V3,UDP", "V3,TCP", "V2,UDP", "V2,TCP"})
    void onTheBackupThePhoneFailsBackWhenThePrimaryIsBack(String model, Transport t) {
        long onPrimary = registrationTime(model(model), t, "primary");
        pair().mode("primary", "silent");
        PhoneHandle p = rig().fleet(pair(), model(model), 1, users(1), t, false,
                b -> b.failbackInterval(2).signalRetryDuration(1)).phones().get(0);
        Registered onBackup = rig().await(p, Registered.class, 5_000);
        pair().mode("primary", "up");
        FailbackProbe probe = rig().await(p, FailbackProbe.class, 5_000);
        Failback fb = rig().await(p, Failback.class, 5_000);
        within(model + " " + t + " failback probe", probe.at() - onBackup.at(), 2_000, TOLERANCE);
        // the probe is a registration on the primary: failback when it succeeds
        within(model + " " + t + " failback", fb.at() - onBackup.at(), 2_000 + onPrimary, pair().answerTolerance());
        assertThat(p.view().line(1).activeServer()).isEqualTo("primary");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"V3,UDP", "V3,TCP", "V2,UDP", "V2,TCP"})
    void inviteFailoverEstablishesTheCallThroughTheBackup(String model, Transport t) {
        long callee = users(1);
        PhoneHandle b = rig().fleet(pair(), V3, 1, callee, Transport.UDP, true, l -> l).phones().get(0);
        rig().await(b, Registered.class, 5_000);
        long onBackup = registrationTime(model(model), t, "backup");
        CallTimes viaBackup = callTimes(model(model), t, "backup");
        PhoneHandle a = one(model(model), t).phones().get(0);
        rig().await(a, Registered.class, 5_000);
        pair().mode("primary", "silent");
        a.run(p -> p.press(Key.parseDialString(callee + "#", "keys")));
        PhoneEvent placed = rig().await(a, PhoneEvent.CallPlaced.class, 5_000);
        Failover f = rig().await(a, Failover.class, 5_000);
        CallEstablished up = rig().await(a, CallEstablished.class, 5_000);
        within(model + " " + t + " invite failover", f.at() - placed.at(), budget(model(model)), TOLERANCE);
        // §7: REGISTER to the backup at the budget, then the INVITE there: registration and set-up times added
        within(model + " " + t + " call established through the backup", up.at() - placed.at(),
                budget(model(model)) + onBackup + viaBackup.setUp(), CALL_TOLERANCE);
        assertThat(f.request()).isEqualTo("INVITE");
        assertThat(up.server().role()).isEqualTo("backup");
        rig().await(b, CallEstablished.class, 5_000);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"V3,UDP", "V3,TCP", "V2,UDP", "V2,TCP"})
    void byeFailoverEndsTheCallThroughTheBackup(String model, Transport t) {
        long callee = users(1);
        PhoneHandle b = rig().fleet(pair(), V3, 1, callee, Transport.UDP, true, l -> l).phones().get(0);
        rig().await(b, Registered.class, 5_000);
        long onBackup = registrationTime(model(model), t, "backup");
        CallTimes viaBackup = callTimes(model(model), t, "backup");
        PhoneHandle a = one(model(model), t).phones().get(0);
        rig().await(a, Registered.class, 5_000);
        a.run(p -> p.press(Key.parseDialString(callee + "#", "keys")));
        rig().await(a, CallEstablished.class, 5_000);
        pair().mode("primary", "silent");
        long hangUp = System.currentTimeMillis();
        a.run(p -> p.press(Key.CANCEL));
        Failover f = rig().await(a, Failover.class, 5_000);
        CallEnded ended = rig().await(a, CallEnded.class, 5_000);
        within(model + " " + t + " bye failover", f.at() - hangUp, budget(model(model)), TOLERANCE);
        // §8: REGISTER to the backup at the budget, then the BYE through it
        within(model + " " + t + " call ended through the backup", ended.at() - hangUp,
                budget(model(model)) + onBackup + viaBackup.tearDown(), CALL_TOLERANCE);
        assertThat(f.request()).isEqualTo("BYE");
        assertThat(ended.reason()).isEqualTo("local-hangup");
        assertThat(rig().await(b, CallEnded.class, 5_000).reason()).isEqualTo("remote-hangup");
    }

    @Test
    void aCallByKeyPressesBetweenPhonesOnDifferentServersIsAnsweredByLiftingTheHandset() {
        long callee = users(1);
        // the callee's Server1 is the pair's backup: registered there, while the caller is on the primary
        PhoneHandle b = rig().fleet(pair(), V3, 1, callee, Transport.UDP, false, l -> l
                .registerAddr(pair().host("backup")).registerPort(pair().port("backup"))
                .backupAddr(pair().host("primary")).backupPort(pair().port("primary"))).phones().get(0);
        PhoneHandle a = one(V3, Transport.UDP).phones().get(0);
        assertThat(rig().await(a, Registered.class, 5_000).server().address()).contains(pair().host("primary"));
        assertThat(rig().await(b, Registered.class, 5_000).server().address()).contains(pair().host("backup"));
        a.run(p -> {
            p.offHook();
            p.press(Key.parseDialString(callee + "#", "keys"));
        });
        rig().await(b, PhoneEvent.CallIncoming.class, 5_000);
        assertThat(b.view().callState()).isEqualTo(Outputs.CallState.RINGING);
        assertThat(b.view().tone()).isEqualTo(Outputs.Tone.RING);
        b.run(p -> p.offHook());
        rig().await(a, CallEstablished.class, 5_000);
        assertThat(a.view().callState()).isEqualTo(Outputs.CallState.CONNECTED);
        assertThat(b.view().callState()).isEqualTo(Outputs.CallState.CONNECTED);
        a.run(p -> p.onHook());
        rig().await(b, CallEnded.class, 5_000);
    }

    /** Both phones on this simulator's one stack: the callee's BYE must reach the caller, not itself. */
    @Test
    void whenTheCalleeHangsUpTheCallerSeesTheCallEnd() {
        long callee = users(1);
        PhoneHandle b = rig().fleet(pair(), V3, 1, callee, Transport.UDP, false, l -> l).phones().get(0);
        PhoneHandle a = one(V3, Transport.UDP).phones().get(0);
        rig().await(a, Registered.class, 5_000);
        rig().await(b, Registered.class, 5_000);
        a.run(p -> p.press(Key.parseDialString(callee + "#", "keys")));
        rig().await(b, PhoneEvent.CallIncoming.class, 5_000);
        b.run(p -> p.offHook());
        rig().await(a, CallEstablished.class, 5_000);
        rig().await(b, CallEstablished.class, 5_000);
        b.run(p -> p.onHook());
        assertThat(rig().await(a, CallEnded.class, 5_000).reason()).isEqualTo("remote-hangup");
        assertThat(rig().await(b, CallEnded.class, 5_000).reason()).isEqualTo("local-hangup");
        assertThat(a.view().callState()).isEqualTo(Outputs.CallState.IDLE);
    }
}
