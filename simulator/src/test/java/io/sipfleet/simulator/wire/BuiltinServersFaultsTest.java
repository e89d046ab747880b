package io.sipfleet.simulator.wire;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Network faults on the wire against the built-in primary and backup (the default, fast run). */
class BuiltinServersFaultsTest extends FaultsOnTheWireScenarios {
    private static RedundantPair pair;
    private static WireRig rig;

    @BeforeAll
    static void start() throws Exception {
        pair = new BuiltinPair();
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
