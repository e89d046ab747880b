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

    @Override
    RedundantPair pair() {
        return pair;
    }

    @Override
    WireRig rig() {
        return rig;
    }
}
