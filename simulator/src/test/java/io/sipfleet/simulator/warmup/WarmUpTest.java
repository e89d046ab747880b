package io.sipfleet.simulator.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.runtime.Capacity;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.sip.JainSipSignalling;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The warm-up at start: it runs the failover paths on the real stack, measures, and leaves nothing behind. */
class WarmUpTest {
    @Test
    void itFailsOverBetweenAPrivatePairAndMeasuresTheCostOfATransaction() throws Exception {
        try (ShardedScheduler shards = new ShardedScheduler(2);
             JainSipSignalling sip = new JainSipSignalling(new JainSipSignalling.Settings("127.0.0.1",
                     KamailioPair.freePort("127.0.0.1"), 4, 1_000, "sipfleet-test"), shards::executeAt)) {
            WarmUp.Result r = WarmUp.run(shards, sip, new WarmUp.Settings(50, 5, 50, Duration.ofSeconds(30)),
                    Capacity.processCpu());
            assertThat(r.complete()).as("every phone moved every round").isTrue();
            // rounds 2..5, 50 phones each: at least a REGISTER to the 503 (or silent) server and one to the other
            assertThat(r.transactions()).isGreaterThanOrEqualTo(4 * 50 * 2);
            assertThat(r.cpuNanosPerTransaction()).isPositive();
            assertThat(r.tookMs()).isLessThan(30_000);
        }
    }
}
