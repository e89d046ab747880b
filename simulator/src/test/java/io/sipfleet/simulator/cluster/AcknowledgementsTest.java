package io.sipfleet.simulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A command given to the cluster answers how many shards carried it out, which refused and which were silent. */
class AcknowledgementsTest {

    @Test
    void everyShardAnsweringEndsTheWaitAtOnce() throws Exception {
        Acknowledgements acks = new Acknowledgements("c1", 3);
        acks.answer(2, null);
        acks.answer(0, null);
        acks.answer(1, null);
        long start = System.nanoTime();
        Acknowledgements.Result r = acks.await(10_000);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1_000);
        assertThat(r.complete()).isTrue();
        assertThat(r.acknowledged()).containsExactly(0, 1, 2);
        assertThat(r.silent()).isEmpty();
    }

    @Test
    void aSilentShardIsNamedAfterTheDeadlineAndARefusalCarriesItsReason() throws Exception {
        Acknowledgements acks = new Acknowledgements("c2", 3);
        acks.answer(0, null);
        acks.answer(1, "fleet 'big' exists");
        acks.answer(1, null); // a second answer of the same shard does not count
        acks.answer(7, null); // not of this cluster
        Acknowledgements.Result r = acks.await(50);
        assertThat(r.complete()).isFalse();
        assertThat(r.acknowledged()).containsExactly(0);
        assertThat(r.refused()).isEqualTo(Map.of(1, "fleet 'big' exists"));
        assertThat(r.silent()).containsExactly(2);
    }
}
