package io.sipfleet.simulator.wire;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The wire scenarios against the built-in primary and backup (the default, fast run). */
class BuiltinServersWireTest extends FailoverOnTheWireScenarios {
    private static RedundantPair pair;
    private static WireRig rig;

    @BeforeAll
    static void start() throws Exception {
        pair = new BuiltinPair();
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
