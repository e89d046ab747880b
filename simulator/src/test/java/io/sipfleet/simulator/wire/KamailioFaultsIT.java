package io.sipfleet.simulator.wire;

import io.sipfleet.simulator.kamailio.KamailioPair;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** Network faults on the wire against a real Kamailio primary and backup: the fault layer, not Kamailio, misbehaves. */
class KamailioFaultsIT extends FaultsOnTheWireScenarios {
    private static RedundantPair pair;
    private static WireRig rig;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(KamailioPair.available(), KamailioPair::unavailableReason);
        pair = new KamailioRedundantPair();
        rig = new WireRig(T1);
        FailoverOnTheWireScenarios.warmUp(pair, rig);
        warmUpFaults(pair, rig);
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
