package io.sipfleet.simulator.wire;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The wire scenarios against a real Kamailio primary and backup sharing registrations (dmq_usrloc). */
class KamailioWireIT extends FailoverOnTheWireScenarios {
    private static RedundantPair pair;
    private static WireRig rig;

    @BeforeAll
    static void start() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.sipfleet.simulator.kamailio.KamailioPair.available(),
                io.sipfleet.simulator.kamailio.KamailioPair::unavailableReason);
        pair = new KamailioRedundantPair();
        rig = new WireRig(T1);
        warmUp(pair, rig);
    }

    @AfterAll
    static void stop() {
        if (rig != null) {
            rig.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    @org.junit.jupiter.api.Test
    void aFrozenPrimaryIsGivenUpAtTheBudget() {
        ((KamailioRedundantPair) pair).freeze("primary");
        var p = rig.fleet(pair, io.sipfleet.device.FirmwareProfile.V3, 1, users(1),
                io.sipfleet.device.config.Transport.UDP, false, b -> b).phones().get(0);
        long start = rig.await(p, io.sipfleet.device.event.PhoneEvent.Registering.class, 5_000).at();
        var f = rig.await(p, io.sipfleet.device.event.PhoneEvent.Failover.class, 5_000);
        rig.await(p, io.sipfleet.device.event.PhoneEvent.Registered.class, 5_000);
        long dev = f.at() - start - V3_BUDGET;
        System.out.printf("[kamailio] frozen primary: failover at +%d ms, deviation %+d ms (tolerance %d)%n",
                f.at() - start, dev, TOLERANCE);
        org.assertj.core.api.Assertions.assertThat(Math.abs(dev)).isLessThanOrEqualTo(TOLERANCE);
        org.assertj.core.api.Assertions.assertThat(f.reason()).isEqualTo("timeout");
    }

    @org.junit.jupiter.api.Test
    void aTcpBlackHoleIsBoundedByTheBudgetAndHoldsUpNoOtherPhone() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.sipfleet.simulator.kamailio.KamailioPair.tcpBlackholeSupported(),
                "iptables is needed for a TCP black hole");
        ((KamailioRedundantPair) pair).tcpBlackhole("primary");
        // a stack of its own: no TCP connection to the primary is cached from earlier tests
        try (WireRig fresh = new WireRig(T1)) {
            var tcp = fresh.fleet(pair, io.sipfleet.device.FirmwareProfile.V3, 3, users(3),
                    io.sipfleet.device.config.Transport.TCP, false, b -> b);
            var udp = fresh.fleet(pair, io.sipfleet.device.FirmwareProfile.V3, 3, users(3),
                    io.sipfleet.device.config.Transport.UDP, false, b -> b);
            for (var p : udp.phones()) {
                var reg = fresh.await(p, io.sipfleet.device.event.PhoneEvent.Registering.class, 5_000);
                var ok = fresh.await(p, io.sipfleet.device.event.PhoneEvent.Registered.class, 5_000);
                System.out.printf("[kamailio] UDP phone beside the black hole: registered after %d ms%n",
                        ok.at() - reg.at());
                org.assertj.core.api.Assertions.assertThat(ok.at() - reg.at()).isLessThan(100);
                org.assertj.core.api.Assertions.assertThat(ok.server().role()).isEqualTo("primary");
            }
            for (var p : tcp.phones()) {
                long start = fresh.await(p, io.sipfleet.device.event.PhoneEvent.Registering.class, 5_000).at();
                var f = fresh.await(p, io.sipfleet.device.event.PhoneEvent.Failover.class, 5_000);
                fresh.await(p, io.sipfleet.device.event.PhoneEvent.Registered.class, 5_000);
                long dev = f.at() - start - V3_BUDGET;
                System.out.printf("[kamailio] TCP black hole: failover at +%d ms (%s), deviation %+d ms (tolerance %d)%n",
                        f.at() - start, f.reason(), dev, TOLERANCE);
                org.assertj.core.api.Assertions.assertThat(Math.abs(dev)).isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    @Override
    RedundantPair pair() {
        return pair;
    }

    @Override
    WireRig rig() {
        return rig;
    }
}
